// The bounds of a group's probe and INFO periods: the agent file's, and SENTINEL DEBUG ping-period / info-period's.

export const PROBE_INTERVAL_BOUNDS = { minMs: 10, maxMs: 10_000 } as const;
export const INFO_INTERVAL_BOUNDS = { minMs: 50, maxMs: 60_000 } as const;
