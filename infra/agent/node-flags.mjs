// The V8 flags the agent ships with: every launcher of the bundle passes them (the bin's shebang, the systemd unit, infra/local).
//
// Measured with test/bench/agent-footprint.ts (agent/README.md, "Memory"; idle, 1 group, 3 nodes):
// - V8's young generation grows to 2 x 16 MB semi-spaces under the agent's steady trickle of
//   short-lived objects (a PING every 100 ms per node, INFO every second, WebSocket frames), though
//   only about 15 MB of heap is live. --optimize-for-size caps the semi-spaces at 1 MB and grows the
//   old generation conservatively (the mode V8 uses for background tabs): 83 -> 76 MB.
//   (--max-semi-space-size=1 alone: 80 MB.)
// - --v8-pool-size=1: one V8 helper thread instead of four, so glibc keeps fewer malloc arenas for
//   them: 76 -> 67 MB. An idle agent has no parallel GC work worth four threads.
// CPU at 1 group did not change beyond the noise (about 3 % of a core). No --max-old-space-size: it
// only moves the out-of-memory crash closer, it does not lower idle RSS.
// Keep in sync with the bin's shebang and ExecStart in infra/systemd/edge-sentinel-agent.service
// (test/infra/agent/bundle.test.ts checks both).

/** @type {readonly string[]} */
export const AGENT_NODE_FLAGS = Object.freeze(['--optimize-for-size', '--v8-pool-size=1']);

/**
 * The shipped flags not in effect for this process: neither on node's command line (execArgv)
 * nor in NODE_OPTIONS. V8 reads them only at start, so they cannot be applied later.
 *
 * @param {readonly string[]} execArgv
 * @param {string | undefined} nodeOptions
 * @returns {string[]}
 */
export function missingNodeFlags(execArgv, nodeOptions) {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)]);
  return AGENT_NODE_FLAGS.filter((flag) => !given.has(flag));
}
