// The fuzz suite's runner: seeded cases (the simulator's sfc32), a bounded budget, the seed and replay line of a failure.
import { Rng } from '../sim/rng.js';

/**
 * What the environment asks for: `FUZZ_RUNS=N` runs N cases per target (`FUZZ_RUNS=x10` ten times
 * each target's CI budget), `FUZZ_START=S` starts at seed S (default 1), `FUZZ_SEED=S` replays
 * that one seed, `FUZZ_TRACE=1` prints every seed before it runs (a hang then names its seed).
 */
export interface FuzzSettings {
  readonly runs:
    | { readonly kind: 'default' }
    | { readonly kind: 'times'; readonly factor: number }
    | {
        readonly kind: 'exactly';
        readonly runs: number;
      };
  readonly start: number;
  readonly only: number | null;
  readonly trace: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The FUZZ_* variables of the shell that ran vitest, for tests in the Workers runtime (vitest.config.ts). */
    fuzzEnv: Record<string, string>;
  }
}

function seedOf(name: string, text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
    throw new Error(`${name} must be an integer in 0..4294967295, got ${JSON.stringify(text)}`);
  }
  return n;
}

export function fuzzSettings(env: Env): FuzzSettings {
  const text = env.FUZZ_RUNS?.trim() ?? '';
  let runs: FuzzSettings['runs'] = { kind: 'default' };
  const times = /^x(\d+(?:\.\d+)?)$/.exec(text);
  if (times?.[1] !== undefined) runs = { kind: 'times', factor: Number(times[1]) };
  else if (/^\d+$/.test(text)) runs = { kind: 'exactly', runs: Number(text) };
  else if (text !== '') throw new Error(`FUZZ_RUNS must be N or xF (a factor), got ${JSON.stringify(text)}`);
  return {
    runs,
    start: seedOf('FUZZ_START', env.FUZZ_START) ?? 1,
    only: seedOf('FUZZ_SEED', env.FUZZ_SEED),
    trace: env.FUZZ_TRACE === '1',
  };
}

/** One case: its seed, its PRNG, and what it generated (shown when it fails). */
export class FuzzCase {
  readonly rng: Rng;
  private readonly notes: string[] = [];

  constructor(
    readonly target: string,
    readonly seed: number,
  ) {
    // Each target draws its own stream from a seed, so adding a target changes no other's cases.
    this.rng = new Rng((seed ^ hashOf(target)) >>> 0);
  }

  /** Records an input for the failure message (cut to 600 characters). */
  note(label: string, value: unknown): void {
    const text = typeof value === 'string' ? JSON.stringify(value) : safeJson(value);
    this.notes.push(
      `${label}: ${text.length > 600 ? `${text.slice(0, 600)}... (${text.length} chars)` : text}`,
    );
  }

  get noted(): readonly string[] {
    return this.notes;
  }
}

export interface FuzzTarget {
  /** Shown in every line, and the `-t` filter of the replay command: keep it unique. */
  readonly name: string;
  /** The test file, for the replay command. */
  readonly file: string;
  /** Cases in CI (the default budget). */
  readonly runs: number;
  /** A case taking longer than this fails (its work is bounded; a slow case is a finding). */
  readonly caseTimeoutMs: number;
  /** Seeds that once found a bug: run first on every run, whatever the range. */
  readonly regressions?: readonly number[];
}

export interface FuzzReport {
  readonly target: string;
  readonly runs: number;
  /** Of `runs`, the regression seeds run before the range. */
  readonly regressions: number;
  readonly firstSeed: number;
  readonly lastSeed: number;
  readonly elapsedMs: number;
  readonly slowestMs: number;
  readonly slowestSeed: number;
}

/** The seeds a target runs under `settings`: its regression seeds and its budget from FUZZ_START, or FUZZ_SEED alone. */
export function seedsFor(
  target: FuzzTarget,
  settings: FuzzSettings,
): { readonly regressions: number[]; readonly range: number[] } {
  if (settings.only !== null) return { regressions: [], range: [settings.only] };
  const runs =
    settings.runs.kind === 'exactly'
      ? settings.runs.runs
      : settings.runs.kind === 'times'
        ? Math.max(1, Math.round(target.runs * settings.runs.factor))
        : target.runs;
  const range = Array.from({ length: runs }, (_, i) => settings.start + i);
  const inRange = (seed: number) => seed >= settings.start && seed < settings.start + runs;
  return { regressions: (target.regressions ?? []).filter((seed) => !inRange(seed)), range };
}

export function replayCommand(target: FuzzTarget, seed: number): string {
  return `FUZZ_SEED=${seed} npx vitest run ${target.file} -t '${target.name}'`;
}

export class FuzzFailure extends Error {
  constructor(
    readonly target: FuzzTarget,
    readonly seed: number,
    cause: unknown,
    notes: readonly string[],
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      [
        `fuzz ${target.name}: seed ${seed} failed: ${why}`,
        ...notes.map((n) => `  ${n}`),
        `  replay: ${replayCommand(target, seed)}`,
      ].join('\n'),
    );
    this.name = 'FuzzFailure';
    // vitest prints the diff of an assertion from these fields: keep them.
    if (typeof cause === 'object' && cause !== null) {
      for (const field of ['actual', 'expected', 'showDiff'] as const) {
        if (field in cause) Object.assign(this, { [field]: (cause as Record<string, unknown>)[field] });
      }
    }
  }
}

/**
 * Runs `property` once per seed; stops at the first failure with its seed, its inputs and the
 * command that replays it. A case slower than `caseTimeoutMs` fails: asynchronous ones when the
 * time is up, synchronous ones when they return (FUZZ_TRACE=1 names the seed of one that never does).
 */
export async function runFuzz(
  target: FuzzTarget,
  settings: FuzzSettings,
  property: (c: FuzzCase) => void | Promise<void>,
  log: (line: string) => void = (line) => console.log(line),
): Promise<FuzzReport> {
  const { regressions, range } = seedsFor(target, settings);
  const seeds = [...regressions, ...range];
  const started = performance.now();
  let slowestMs = 0;
  let slowestSeed = seeds[0] ?? 0;
  for (const seed of seeds) {
    if (settings.trace) log(`fuzz ${target.name}: seed ${seed}`);
    const c = new FuzzCase(target.name, seed);
    const caseStarted = performance.now();
    try {
      await withTimeout(property(c), target.caseTimeoutMs);
    } catch (cause) {
      throw new FuzzFailure(target, seed, cause, c.noted);
    }
    const tookMs = performance.now() - caseStarted;
    if (tookMs > slowestMs) {
      slowestMs = tookMs;
      slowestSeed = seed;
    }
    if (tookMs > target.caseTimeoutMs) {
      throw new FuzzFailure(
        target,
        seed,
        new Error(`took ${tookMs.toFixed(0)} ms, over the ${target.caseTimeoutMs} ms bound`),
        c.noted,
      );
    }
  }
  const report: FuzzReport = {
    target: target.name,
    runs: seeds.length,
    regressions: regressions.length,
    firstSeed: range[0] ?? 0,
    lastSeed: range.at(-1) ?? 0,
    elapsedMs: performance.now() - started,
    slowestMs,
    slowestSeed,
  };
  log(reportLine(report));
  return report;
}

export function reportLine(r: FuzzReport): string {
  const seeds = r.firstSeed === r.lastSeed ? `seed ${r.firstSeed}` : `seeds ${r.firstSeed}..${r.lastSeed}`;
  const regressions = r.regressions > 0 ? ` and ${r.regressions} regression seed(s)` : '';
  return `fuzz ${r.target}: ${r.runs} runs, ${seeds}${regressions}, ${(r.elapsedMs / 1000).toFixed(2)} s (slowest ${r.slowestMs.toFixed(0)} ms, seed ${r.slowestSeed})`;
}

async function withTimeout(work: void | Promise<void>, timeoutMs: number): Promise<void> {
  if (!(work instanceof Promise)) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms (a hang)`)), timeoutMs);
  });
  try {
    await Promise.race([work, expired]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** FNV-1a of the target's name. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
