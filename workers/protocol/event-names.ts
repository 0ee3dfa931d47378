// Every public event name, a contract with clients: what voters store and serve (HTTP, SSE, webhooks)
// and what agents publish on the Sentinel port. A closed list, so a new event is a deliberate change.
import { z } from 'zod';
import { COMMAND_ACTIONS } from './agent-messages.js';

/** Events the voters decide and record, named as Redis Sentinel names them where Sentinel has one. */
export const VOTER_EVENT_NAMES = [
  '+new-epoch',
  '+vote-for-leader',
  '+try-failover',
  '+elected-leader',
  '+odown',
  '-odown',
  // A node an agent reports back with its dataset lost (workers/core/reboot-events.ts).
  '+reboot',
  '+selected-slave',
  '+failover-state-wait-promotion',
  '+failover-state-handoff',
  '+promoted-slave',
  '+failover-end',
  '+switch-master',
  // Each replica's move to a new master, as its own agent reports it (workers/core/reconf-events.ts).
  '+slave-reconf-sent',
  '+slave-reconf-inprog',
  '+slave-reconf-done',
  '+config',
  '+reset-master',
  '+paused',
  '-paused',
  // A runtime settings override adopted (as Sentinel names SENTINEL SET): one per changed field.
  '+set',
  '+agent-up',
  '-agent-down',
  '-agent-claim-refused',
  '-failover-abort',
  '-failover-abort-not-elected',
  '-failover-abort-in-progress',
  '-failover-abort-no-good-slave',
  '-failover-abort-timeout',
  '-failover-abort-slave-timeout',
  '-failover-abort-not-needed',
  '-failover-abort-master-down',
  ...COMMAND_ACTIONS.flatMap((action) => [`+${action}-done`, `-${action}-failed`] as const),
] as const;
export type VoterEventName = (typeof VOTER_EVENT_NAMES)[number];

/** Events an agent publishes on its own Sentinel port from what it sees locally. */
export const AGENT_EVENT_NAMES = [
  '+sdown',
  '-sdown',
  '+reboot',
  '+fenced',
  '-fenced',
  '+convert-to-slave',
  '+switch-master',
  // parallel-syncs (agent/core/parallel-syncs.ts): each replica's own agent repoints it in turn.
  '+slave-reconf-sent',
  '+slave-reconf-inprog',
  '+slave-reconf-done',
] as const;
export type AgentEventName = (typeof AGENT_EVENT_NAMES)[number];

export const EVENT_NAMES = [...new Set([...VOTER_EVENT_NAMES, ...AGENT_EVENT_NAMES])] as readonly EventName[];
export type EventName = VoterEventName | AgentEventName;
export const EventNameSchema = z.enum(EVENT_NAMES as [EventName, ...EventName[]]);
