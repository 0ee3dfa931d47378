// Every e2e file: after it, the Worker logged no "Uncaught" error in any stack it started (issue 14:
// a refusal is an answer, never an exception). workerd's own "Network connection lost" report is
// let through: it is logged for a write to a stream or fetch whose peer is gone, which no Worker
// code can catch (see voter-outage.e2e.test.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';

const STATE = join(fileURLToPath(new URL('../..', import.meta.url)), '.local-state');
const ALLOWED = /Network connection lost/;
/** workerd colours its output; the log keeps the escapes. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

let startedAt = '';

/** Run directories are named `run-<ISO time with : and . as ->`, so names compare as times. */
const stamp = (date: Date) => `run-${date.toISOString().replace(/[:.]/g, '-')}`;

beforeAll(() => {
  startedAt = stamp(new Date(Date.now() - 1000));
});

afterAll(() => {
  if (!existsSync(STATE)) return;
  const uncaught: string[] = [];
  for (const run of readdirSync(STATE).filter((name) => name.startsWith('run-') && name >= startedAt)) {
    const log = join(STATE, run, 'logs', 'wrangler.log');
    if (!existsSync(log)) continue;
    for (const line of readFileSync(log, 'utf8').replace(ANSI, '').split('\n')) {
      if (/Uncaught/.test(line) && !ALLOWED.test(line)) uncaught.push(`${run}: ${line.trim()}`);
    }
  }
  expect(uncaught, 'the Worker logged uncaught errors').toEqual([]);
});
