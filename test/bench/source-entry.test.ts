// `npm run bench -- --out <dir>` with a directory outside the checkout: the from-source agent's
// entry, written into that directory, must still find tsx and the agent (it did not: the whole
// 100-group footprint row timed out on ERR_MODULE_NOT_FOUND).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSourceEntry } from './footprint-stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outside = mkdtempSync(join(tmpdir(), 'bench-out-'));

afterAll(() => rmSync(outside, { recursive: true, force: true }));

describe('the from-source agent entry', () => {
  it('runs from a directory outside the checkout', () => {
    const entry = writeSourceEntry(root, outside);
    const result = spawnSync(process.execPath, [entry, '--help'], {
      cwd: outside,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--config <file>');
  });
});
