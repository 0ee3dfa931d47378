// The agent's only durable state, one file per group: highest epoch seen, highest config, grants' hold (atomic writes).
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigSchema, EpochSchema } from '../../workers/protocol/index.js';
import type { PersistedAgentState } from '../core/index.js';

/**
 * The hold of the grants this agent gave (failsafe): CLOCK_MONOTONIC milliseconds, meaningful only
 * within one boot of the box, so the boot id is kept with it.
 */
const HoldSchema = z.strictObject({
  untilMs: z.number().finite().min(0),
  savedAtMs: z.number().finite().min(0),
  bootId: z.string().max(64),
});

const StateFileSchema = z.union([
  z.strictObject({
    v: z.literal(1),
    group: z.string(),
    highestEpoch: EpochSchema,
    config: ConfigSchema.nullable(),
  }),
  z.strictObject({
    v: z.literal(2),
    group: z.string(),
    highestEpoch: EpochSchema,
    config: ConfigSchema.nullable(),
    hold: HoldSchema.nullable(),
  }),
]);

/** This boot of the box (Linux); '' elsewhere, which makes every hold count as from another boot. */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 64);
  } catch {
    return '';
  }
}

/**
 * A hold saved in this boot ends when it said. Saved in another boot, its clock readings mean
 * nothing now; at least the reboot has passed since, so holding for what was left when it was
 * saved, from now, is never shorter than the promise.
 */
export function holdAfterLoad(
  hold: z.infer<typeof HoldSchema> | null,
  nowMs: number,
  bootId: string,
): number | null {
  if (hold === null) return null;
  if (hold.bootId !== '' && hold.bootId === bootId) return hold.untilMs;
  return nowMs + Math.max(0, hold.untilMs - hold.savedAtMs);
}

export function stateFilePath(stateDir: string, group: string): string {
  return join(stateDir, `${group}.state.json`);
}

export type LoadedState =
  | { readonly ok: true; readonly state: PersistedAgentState | null }
  | { readonly ok: false; readonly error: string };

/**
 * A missing file is a first start. A corrupt one is an error, never a silent reset: starting
 * from epoch 0 would let the agent obey commands older than one it already executed.
 */
export function loadStateFile(
  stateDir: string,
  group: string,
  nowMs: number,
  bootId: string = currentBootId(),
): LoadedState {
  const path = stateFilePath(stateDir, group);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, state: null };
    return { ok: false, error: `${path}: cannot be read: ${(error as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {
      ok: false,
      error: `${path}: not valid JSON; move it away only if you know the group's current epoch`,
    };
  }
  const parsed = StateFileSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, error: `${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  const data = parsed.data;
  if (data.group !== group) return { ok: false, error: `${path}: holds group ${data.group}` };
  const holdUntilMs = data.v === 2 ? holdAfterLoad(data.hold, nowMs, bootId) : null;
  return { ok: true, state: { highestEpoch: data.highestEpoch, config: data.config, holdUntilMs } };
}

/** Check at start that the directory exists (created if needed) and is writable, synchronously. */
export function prepareStateDir(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o750 });
  const probe = join(stateDir, '.write-test');
  const fd = openSync(probe, 'w', 0o600);
  writeSync(fd, 'ok');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(probe, join(stateDir, '.write-test.done'));
}

/** Temp file + fsync + rename + fsync of the directory: after it resolves, a crash keeps the new state. */
export async function writeStateFile(
  stateDir: string,
  group: string,
  state: PersistedAgentState,
  nowMs: number,
  bootId: string = currentBootId(),
): Promise<void> {
  const path = stateFilePath(stateDir, group);
  const temp = `${path}.tmp`;
  const hold = state.holdUntilMs === null ? null : { untilMs: state.holdUntilMs, savedAtMs: nowMs, bootId };
  const body = `${JSON.stringify({ v: 2, group, highestEpoch: state.highestEpoch, config: state.config, hold })}\n`;
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(body, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
