// The agent core's public surface: the step function, its pure parts and their types.

export { dueNow, nextWakeMs, tickPeriodMs } from './agent-schedule.js';
export * from './agent-state.js';
export { stepAgent, waitsForTick } from './agent-step.js';
export {
  computeView,
  computeViews,
  currentFence,
  currentLeaseValidUntil,
  expectsMaster,
  type FailsafeStatus,
  failsafeStatus,
  viewChanged,
} from './agent-views.js';
export * from './announced.js';
export * from './failsafe.js';
export * from './info-parser.js';
export { checkAgentStep } from './invariants.js';
export * from './lease.js';
export { isLocalEffect } from './out.js';
export * from './parallel-syncs.js';
export * from './reboot.js';
export * from './reconcile.js';
export * from './sdown.js';
export * from './sentinel-view.js';
export type * from './types.js';
