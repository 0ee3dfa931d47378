// The failsafe's grant inputs: a peer master's agent asks for a grant, or answers the grant this agent asked for.
import { majority } from '../../workers/protocol/index.js';
import { type AgentState, allNodes, connectedCount, isLocal, peerNodes } from './agent-state.js';
import { computeView, writableLocalNode } from './agent-views.js';
import { grantVerdict, holdEnd, holdHorizon, membershipOf, onPeerAnswer } from './failsafe.js';
import { type AgentOut, effect, markPersist, note } from './out.js';
import type { AgentEffect, AgentInput } from './types.js';

/**
 * A peer master's agent asks for a grant. A grant is a promise that must outlive a crash of this
 * agent, so a hold beyond the persisted horizon makes the step a persisting one: the shell writes
 * the state file before it sends the reply.
 */
export function onGrantRequest(
  state: AgentState,
  input: AgentInput & { kind: 'grant-request' },
  nowMs: number,
  out: AgentOut,
): AgentState {
  const { settings } = state;
  const verdict = grantVerdict(input, {
    failsafe: settings.failsafe,
    fencing: settings.fencing,
    localNodes: settings.localNodes,
    peerNodes: peerNodes(settings),
    membership: membershipOf(allNodes(settings)),
    masterDownAndVotersReachable:
      computeView(state, input.master, nowMs).sdown && connectedCount(state) >= majority(settings.voterCount),
    config: state.config,
    writableLocal: writableLocalNode(state, nowMs),
    capMs: settings.leaseMs,
  });
  const reply: AgentEffect = {
    kind: 'grant-reply',
    to: input.from,
    requestId: input.requestId,
    granted: verdict.granted,
    durationMs: verdict.durationMs,
    reason: verdict.reason,
  };
  const what = `grant request of the agent of ${input.from} (epoch ${input.epoch}, ${input.durationMs} ms)`;
  if (!verdict.granted || verdict.durationMs === 0) {
    note(out, `${what}: ${verdict.granted ? 'would grant' : 'refused'}: ${verdict.reason}`);
    effect(out, reply);
    return state;
  }
  const { failsafe } = state;
  const untilMs = holdEnd(nowMs, verdict.durationMs, settings.clockDriftRatio);
  let next: AgentState = {
    ...state,
    failsafe: {
      ...failsafe,
      holdUntilMs: Math.max(failsafe.holdUntilMs ?? untilMs, untilMs),
      holdFor: input.from,
    },
  };
  note(out, `${what}: granted until ${untilMs}: ${verdict.reason}`);
  if (failsafe.persistedHoldUntilMs === null || untilMs > failsafe.persistedHoldUntilMs) {
    const horizon = holdHorizon(nowMs, untilMs, verdict.durationMs, settings.clockDriftRatio);
    next = { ...next, failsafe: { ...next.failsafe, persistedHoldUntilMs: horizon } };
    markPersist(out);
  }
  effect(out, reply);
  return next;
}

/** A peer answered this agent's grant request; it counts only for the config it was asked for. */
export function onGrantReply(
  state: AgentState,
  input: AgentInput & { kind: 'grant-reply' },
  nowMs: number,
  out: AgentOut,
): AgentState {
  const peer = state.failsafe.peers[input.from];
  if (peer === undefined) {
    note(out, `grant reply from unknown node ${input.from} ignored`);
    return state;
  }
  const { config, settings } = state;
  const current =
    config !== null &&
    config.epoch === input.epoch &&
    config.master === input.master &&
    isLocal(settings, config.master);
  const answered = onPeerAnswer(peer, input, nowMs, { current, clockDriftRatio: settings.clockDriftRatio });
  const next = {
    ...state,
    failsafe: { ...state.failsafe, peers: { ...state.failsafe.peers, [input.from]: answered } },
  };
  const verdict = input.granted ? (input.durationMs > 0 ? 'granted' : 'would grant') : 'refused';
  note(
    out,
    `the agent of ${input.from} ${verdict}${current ? '' : ' (for a config no longer held)'}: ${input.reason}`,
  );
  return next;
}
