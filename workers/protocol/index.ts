// The wire protocol: the only code shared by the agent and the workers.
export * from './agent-messages.js';
export * from './backoff.js';
export * from './common.js';
export * from './decode.js';
export * from './event-names.js';
export * from './peer-messages.js';
export * from './quorum.js';
export * from './replica-order.js';
export * from './replica-sync.js';
export * from './sentinel-payloads.js';
export * from './step-result.js';
export * from './voter-messages.js';
