// Deliberately unsafe variants of the real voter and agent cores, each breaking one safety rule (README, "Invariants").
// Only tests use these, to prove the simulator catches such bugs (see teeth.test.ts).
import type { AgentState } from '../../agent/core/index.js';
import type { DurableState, VoterInput, VoterResult, VoterState } from '../../workers/core/types.js';
import type { AgentCore, SimCores, VoterCore } from './cores.js';

function withVoter(base: SimCores, voter: VoterCore): SimCores {
  return { voter, agent: base.agent };
}

/** (a) Forgets its vote (and the promise of that epoch) whenever another candidate asks. */
export function votesTwice(base: SimCores): SimCores {
  return withVoter(base, {
    ...base.voter,
    stepVoter(state, input, ctx) {
      let s = state;
      if (input.kind === 'peer-message' && input.message.kind === 'vote-request') {
        const req = input.message;
        const d = state.durable;
        const open = d.committed.epoch < req.epoch && d.accepted.epoch < req.epoch;
        if (open && d.promisedEpoch === req.epoch && d.vote?.candidate !== req.candidate) {
          s = {
            ...state,
            durable: { ...d, promisedEpoch: req.epoch - 1, vote: null },
            role: { kind: 'follower' },
            stickyUntilMs: 0,
          };
        }
      }
      return base.voter.stepVoter(s, input, ctx);
    },
  });
}

/** (b) Answers before its vote is durable: persist effects never carry a new vote or promise. */
export function forgetsVotes(base: SimCores): SimCores {
  const disks = new Map<number, DurableState>();
  return withVoter(base, {
    ...base.voter,
    createVoterState(settings, index, durable, nowMs) {
      if (durable !== null) disks.set(index, durable);
      else disks.delete(index);
      return base.voter.createVoterState(settings, index, durable, nowMs);
    },
    stepVoter(state, input, ctx): VoterResult {
      const result = base.voter.stepVoter(state, input, ctx);
      if (result.persist === null) return result;
      const prev = disks.get(state.index) ?? null;
      const persist: DurableState = {
        ...result.persist,
        vote: prev?.vote ?? null,
        promisedEpoch: Math.max(
          prev?.promisedEpoch ?? 0,
          result.persist.accepted.epoch,
          result.persist.committed.epoch,
        ),
      };
      disks.set(state.index, persist);
      return { ...result, persist };
    },
  });
}

/** (c) Promotes without waiting for the old master's lease: grants report no lease, the wait is skipped. */
export function skipsLeaseWait(base: SimCores): SimCores {
  const noWait = (s: VoterState, nowMs: number): VoterState => {
    const role = s.role;
    if (role.kind !== 'leader' || role.phase !== 'preparing' || role.leaseWaitUntilMs <= nowMs) return s;
    return { ...s, role: { ...role, leaseWaitUntilMs: nowMs } };
  };
  return withVoter(base, {
    ...base.voter,
    stepVoter(state, input, ctx): VoterResult {
      let i: VoterInput = input;
      if (input.kind === 'peer-message' && input.message.kind === 'vote-reply') {
        i = { ...input, message: { ...input.message, leaseRemainingMs: 0 } };
      }
      const result = base.voter.stepVoter(noWait(state, ctx.nowMs), i, ctx);
      const next = noWait(result.state, ctx.nowMs);
      if (next === result.state) return result;
      // Wake up right away to choose, instead of at the end of the lease wait.
      const atMs = ctx.nowMs + 1;
      const effects = [
        ...result.effects.filter((e) => e.kind !== 'set-alarm'),
        { kind: 'set-alarm', atMs } as const,
      ];
      return { ...result, state: { ...next, alarmAtMs: atMs }, effects };
    },
  });
}

/** (d) Accepts a config below its promise: lowers the promise to the accept's epoch first. */
export function acceptsLowerEpoch(base: SimCores): SimCores {
  return withVoter(base, {
    ...base.voter,
    stepVoter(state, input, ctx) {
      let s = state;
      if (input.kind === 'peer-message' && input.message.kind === 'accept') {
        const e = input.message.epoch;
        const d = state.durable;
        if (e < d.promisedEpoch && d.accepted.epoch <= e) {
          s = {
            ...state,
            durable: { ...d, promisedEpoch: e, vote: d.vote !== null && d.vote.epoch > e ? null : d.vote },
            role: { kind: 'follower' },
          };
        }
      }
      return base.voter.stepVoter(s, input, ctx);
    },
  });
}

/** The base agent core with some of its functions replaced. */
function withAgent(base: SimCores, agent: Partial<AgentCore>): SimCores {
  return { voter: base.voter, agent: { ...base.agent, ...agent } };
}

/** (e) Forgets every grant it gave: promotes and unfences its node while a peer's master still writes on it. */
export function ignoresGrants(base: SimCores): SimCores {
  const forget = (state: AgentState): AgentState => ({
    ...state,
    failsafe: { ...state.failsafe, holdUntilMs: null },
  });
  return withAgent(base, {
    createAgentState: (settings, persisted, nowMs) =>
      forget(base.agent.createAgentState(settings, persisted, nowMs)),
    stepAgent: (state, input, nowMs, waited) => {
      const result = base.agent.stepAgent(forget(state), input, nowMs, waited);
      return { ...result, state: forget(result.state) };
    },
  });
}

/** (f) Answers a grant without making its hold durable: after a restart it has forgotten the promise. */
export function grantsWithoutPersisting(base: SimCores): SimCores {
  return withAgent(base, {
    stepAgent: (state, input, nowMs, waited) => {
      const result = base.agent.stepAgent(state, input, nowMs, waited);
      const persist = result.persist === null ? null : { ...result.persist, holdUntilMs: null };
      return { ...result, persist };
    },
  });
}

/**
 * (g) Ignores parallel-syncs: believes the voters allow 64 syncs at once, so every replica moves
 * to a new master as soon as it learns of it (the full-sync storm the rule prevents).
 */
export function ignoresParallelSyncs(base: SimCores): SimCores {
  const unlimited = (state: AgentState): AgentState =>
    state.announced === null ? state : { ...state, announced: { ...state.announced, parallelSyncs: 64 } };
  return withAgent(base, {
    stepAgent: (state, input, nowMs, waited) => base.agent.stepAgent(unlimited(state), input, nowMs, waited),
  });
}
