// Random valid wire messages (agent -> voter, voter -> agent, voter -> voter), drawn across each field's whole range.
import {
  type AgentMessage,
  COMMAND_ACTIONS,
  type Config,
  type NodeView,
  type PeerMessage,
  PROTOCOL_VERSION,
  type VoterMessage,
} from '../../workers/protocol/index.js';
import type { Rng } from '../sim/rng.js';

// Annotated, so the literal type 1 is kept inside object literals.
const v: typeof PROTOCOL_VERSION = PROTOCOL_VERSION;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function word(rng: Rng, alphabet: string, min: number, max: number): string {
  let out = '';
  for (let i = rng.int(min, max); i > 0; i--) out += alphabet[rng.int(0, alphabet.length - 1)];
  return out;
}

/** Anything a number field accepts, its bounds most often. */
function int(rng: Rng, min: number, max: number): number {
  return rng.weighted<() => number>([
    [1, () => min],
    [1, () => max],
    [3, () => rng.int(min, Math.min(max, min + 1000))],
    [1, () => Math.floor(min + rng.next() * (max - min))],
  ])();
}

const epoch = (rng: Rng) => int(rng, 0, Number.MAX_SAFE_INTEGER);
const voter = (rng: Rng) => rng.int(0, 4);
const group = (rng: Rng) => word(rng, `${LETTERS}_.-`, 1, rng.chance(0.1) ? 64 : 12);
const agentId = (rng: Rng) => word(rng, `${LETTERS}_.:@-`, 1, rng.chance(0.1) ? 128 : 16);
/** Short text of any character (reasons, details). */
const text = (rng: Rng, max: number) => {
  let out = '';
  for (let i = rng.int(0, max); i > 0; i--) out += String.fromCharCode(rng.int(0, 0xd7ff));
  return out;
};

export function nodeId(rng: Rng): string {
  const port = rng.pick([1, 6379, 26379, 65535, rng.int(1, 65535)]);
  const host = rng.weighted<() => string>([
    [3, () => `${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}`],
    [3, () => word(rng, `${LETTERS}_.-`, 1, rng.chance(0.05) ? 253 : 20)],
    [1, () => `[${rng.pick(['::1', 'fe80::1', '2001:db8::7', '::ffff:10.0.0.1'])}]`],
  ])();
  return `${host}:${port}`;
}

export function config(rng: Rng): Config {
  return {
    epoch: epoch(rng),
    master: nodeId(rng),
    state: rng.pick(['promoting', 'handoff', 'active'] as const),
    previousMaster: rng.chance(0.5) ? null : nodeId(rng),
    cause: rng.pick(['initial', 'failover', 'retry', 'manual', 'switchover', 'reaffirm', 'abort'] as const),
    leader: rng.int(-1, 4),
    ...(rng.chance(0.5) ? { publishedAtMs: int(rng, 0, Number.MAX_SAFE_INTEGER) } : {}),
    ...(rng.chance(0.3) ? { handoffTimeoutMs: int(rng, 100, 3_600_000) } : {}),
  };
}

function nodeView(rng: Rng): NodeView {
  return {
    node: nodeId(rng),
    sdown: rng.chance(0.3),
    role: rng.pick(['master', 'replica', 'unknown'] as const),
    masterNode: rng.chance(0.5) ? null : nodeId(rng),
    linkUp: rng.chance(0.7),
    linkDownMs: int(rng, 0, Number.MAX_SAFE_INTEGER),
    offsetBytes: int(rng, 0, Number.MAX_SAFE_INTEGER),
    runId: rng.chance(0.8) ? word(rng, '0123456789abcdef', 40, 40) : text(rng, 64),
    priority: int(rng, 0, 1_000_000),
    rebooted: rng.chance(0.1),
    fenced: rng.chance(0.2),
    ...(rng.chance(0.3) ? { downMs: int(rng, 0, Number.MAX_SAFE_INTEGER) } : {}),
  };
}

export function agentMessage(rng: Rng): AgentMessage {
  switch (rng.pick(['hello', 'observation', 'command-result'] as const)) {
    case 'hello':
      return {
        v,
        kind: 'hello',
        agentId: agentId(rng),
        group: group(rng),
        localNodes: Array.from({ length: rng.int(0, rng.chance(0.1) ? 16 : 3) }, () => nodeId(rng)),
        highestEpoch: epoch(rng),
        sentinel: rng.chance(0.3)
          ? null
          : { host: word(rng, `${LETTERS}.-:`, 1, rng.chance(0.05) ? 253 : 20), port: int(rng, 1, 65535) },
      };
    case 'observation':
      return {
        v,
        kind: 'observation',
        agentId: agentId(rng),
        group: group(rng),
        seq: int(rng, 0, Number.MAX_SAFE_INTEGER),
        highestEpoch: epoch(rng),
        inReplyTo: rng.chance(0.5) ? null : text(rng, 64),
        views: Array.from({ length: rng.int(0, rng.chance(0.1) ? 64 : 4) }, () => nodeView(rng)),
      };
    case 'command-result':
      return {
        v,
        kind: 'command-result',
        agentId: agentId(rng),
        group: group(rng),
        epoch: epoch(rng),
        node: nodeId(rng),
        action: rng.pick(COMMAND_ACTIONS),
        ok: rng.chance(0.5),
        detail: text(rng, rng.chance(0.1) ? 500 : 40),
      };
  }
}

export function voterMessage(rng: Rng): VoterMessage {
  const base = { v, group: group(rng), voter: voter(rng) };
  switch (rng.pick(['settings', 'config', 'epoch', 'observe', 'error'] as const)) {
    case 'settings':
      return {
        ...base,
        kind: 'settings',
        ...(rng.chance(0.5) ? { settingsVersion: int(rng, 0, Number.MAX_SAFE_INTEGER) } : {}),
        settings: {
          voters: rng.int(1, 5),
          quorum: int(rng, 1, 64),
          downAfterMs: int(rng, 1, 3_600_000),
          failoverTimeoutMs: int(rng, 1, 3_600_000),
          parallelSyncs: int(rng, 1, 64),
          fencing: rng.chance(0.5),
          leaseMs: int(rng, 1, 3_600_000),
          clockDriftRatio: rng.next() * 0.5,
        },
      };
    case 'config':
      return { ...base, kind: 'config', config: config(rng) };
    case 'epoch':
      return { ...base, kind: 'epoch', epoch: epoch(rng) };
    case 'observe':
      return { ...base, kind: 'observe', epoch: epoch(rng), requestId: text(rng, 64) || 'r' };
    case 'error':
      return { ...base, kind: 'error', error: text(rng, 500) };
  }
}

export function peerMessage(rng: Rng): PeerMessage {
  const base = { v, group: group(rng), epoch: epoch(rng) };
  switch (
    rng.pick(['vote-request', 'vote-reply', 'accept', 'accept-reply', 'commit', 'fetch-state'] as const)
  ) {
    case 'vote-request':
      return {
        ...base,
        kind: 'vote-request',
        candidate: voter(rng),
        purpose: rng.pick(['failover', 'retry', 'manual', 'switchover', 'reaffirm'] as const),
        subject: nodeId(rng),
        target: rng.chance(0.5) ? null : nodeId(rng),
      };
    case 'vote-reply':
      return {
        ...base,
        kind: 'vote-reply',
        voter: voter(rng),
        granted: rng.chance(0.5),
        busy: rng.chance(0.5),
        promisedEpoch: epoch(rng),
        accepted: config(rng),
        committed: config(rng),
        odown: rng.chance(0.5),
        leaseRemainingMs: int(rng, 0, Number.MAX_SAFE_INTEGER),
        reason: text(rng, 40),
      };
    case 'accept':
      return { ...base, kind: 'accept', leader: voter(rng), config: config(rng) };
    case 'accept-reply':
      return {
        ...base,
        kind: 'accept-reply',
        voter: voter(rng),
        ok: rng.chance(0.5),
        state: rng.pick(['promoting', 'handoff', 'active'] as const),
        promisedEpoch: epoch(rng),
        reason: text(rng, 40),
      };
    case 'commit':
      return { v, group: base.group, kind: 'commit', config: config(rng) };
    case 'fetch-state':
      return { v, group: base.group, kind: 'fetch-state', from: voter(rng), committedEpoch: epoch(rng) };
  }
}
