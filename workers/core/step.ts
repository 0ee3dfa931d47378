// The voter core's one entry point: (state, input, ctx) -> { state, effects, reason }.
import { reasonOf } from '../protocol/index.js';
import { onAccept, onVoteRequest } from './acceptor.js';
import { adminAnswer, onAdmin } from './admin.js';
import { forgetExpiredAgents, onAgentConnected, onAgentDisconnected, onAgentMessage } from './agents.js';
import { nextAlarmMs } from './alarm.js';
import { onFetchState } from './catch-up.js';
import { expireCandidacy, onVoteReply } from './election.js';
import { checkVoterInvariants } from './invariants.js';
import { advanceLeader } from './leadership.js';
import { learn } from './learn.js';
import { observeRenewals } from './lease-view.js';
import { newOut, type Out } from './out.js';
import { onAcceptReply } from './proposal.js';
import { onSettingsOverride } from './settings-override.js';
import { sameDurable } from './state.js';
import { considerElection, trackOdown } from './triggers.js';
import type { VoterContext, VoterEffect, VoterInput, VoterResult, VoterState } from './types.js';

function handle(state: VoterState, input: VoterInput, ctx: VoterContext, out: Out): VoterState {
  const { nowMs } = ctx;
  switch (input.kind) {
    case 'agent-connected':
      return onAgentConnected(state, input.agentId, nowMs, out);
    case 'agent-disconnected':
      return onAgentDisconnected(state, input.agentId, nowMs, out);
    case 'agent-message':
      return onAgentMessage(state, input.agentId, input.message, nowMs, out);
    case 'alarm':
      return { ...state, alarmAtMs: null };
    case 'admin':
      return onAdmin(state, input.action, nowMs, out);
    case 'settings-override':
      return onSettingsOverride(state, input.override, out);
    case 'peer-message': {
      const message = input.message;
      if (message.group !== state.settings.name) return state;
      switch (message.kind) {
        case 'vote-request':
          return onVoteRequest(state, message, ctx, out);
        case 'vote-reply':
          return onVoteReply(state, message, ctx, out);
        case 'accept':
          return onAccept(state, message, out);
        case 'accept-reply':
          return onAcceptReply(state, message, ctx, out);
        case 'commit':
          return learn(state, message.config, nowMs, out);
        case 'fetch-state':
          return onFetchState(state, message, out);
      }
    }
  }
}

/**
 * Handle one input, then let time-driven decisions run (leader progress, ODOWN, elections).
 * `persist` carries the durable state when it changed: the shell saves it before any effect.
 */
export function stepVoter(before: VoterState, input: VoterInput, ctx: VoterContext): VoterResult {
  const out = newOut();
  let state = observeRenewals(before, ctx.autoResponseAtMs);
  state = handle(state, input, ctx, out);
  state = forgetExpiredAgents(state, ctx.nowMs, out);
  state = expireCandidacy(state, ctx, out);
  state = advanceLeader(state, ctx, out);
  state = trackOdown(state, ctx, out);
  state = considerElection(state, ctx, out);
  const broken = checkVoterInvariants(state);
  if (broken.length > 0) throw new Error(`voter invariant broken: ${broken.join('; ')}`);
  const persist = sameDurable(before.durable, state.durable) ? null : state.durable;
  const effects: VoterEffect[] = [...out.sends];
  const alarmAtMs = nextAlarmMs(state, ctx.nowMs);
  if (alarmAtMs !== state.alarmAtMs) {
    effects.push({ kind: 'set-alarm', atMs: alarmAtMs });
    state = { ...state, alarmAtMs };
  }
  effects.push(...out.emits);
  const reason = reasonOf(out, input.kind);
  const answer = input.kind === 'admin' ? adminAnswer(out, reason) : null;
  return { state, persist, effects, reason, answer };
}
