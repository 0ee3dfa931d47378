// Types of node-flags.mjs (plain JavaScript: the bin imports it without a build step).
export declare const AGENT_NODE_FLAGS: readonly string[];
export declare function missingNodeFlags(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[];
