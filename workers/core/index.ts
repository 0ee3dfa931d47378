// The voter core: pure, deterministic failover decisions for one voter of one group.

export { odownOf } from './detection.js';
export { checkVoterInvariants } from './invariants.js';
export { leaseRemainingMs } from './lease-view.js';
export { rankReplicas } from './ranking.js';
export { createVoterState, initialDurable } from './state.js';
export { stepVoter } from './step.js';
export type * from './types.js';
