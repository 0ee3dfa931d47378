// The wire protocol: the only code shared by the agent and the workers.
export * from './agent-messages.js';
export * from './common.js';
export * from './decode.js';
export * from './peer-messages.js';
export * from './voter-messages.js';
