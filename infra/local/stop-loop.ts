// Manual check, not run in CI: `npx tsx infra/local/stop-loop.ts [runs=10]` starts `npm run demo` on
// ports of its own, on every second run SIGKILLs the master's redis-server first (the failures of
// issue 11 followed a killed node), sends one Ctrl-C to the whole process group as a terminal
// does, and counts the runs that left a port bound or a process running.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoArgs, killEverything, leftovers, portsOf, startDemo, within } from './demo-launch.js';
import { liveGroups } from './stack-registry.js';
import { sleep } from './wait.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const runs = Number(process.argv[2] ?? 10);
const ports = { port: 19890, redisPort: 19290, sentinelPort: 29690, metricsPort: 29790, nodes: 3 };

function lastLine(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '';
  } catch {
    return 'no reaper log';
  }
}

let failed = 0;
for (let run = 1; run <= runs; run++) {
  const runDir = mkdtempSync(join(tmpdir(), 'stop-loop-'));
  const demo = await startDemo(root, demoArgs(ports, runDir));
  let note = '';
  if (run % 2 === 0) {
    const master = liveGroups(runDir).find((g) => g.group.name === `redis-${ports.redisPort}`);
    if (master !== undefined) process.kill(-master.group.pgid, 'SIGKILL');
    note = ' (master redis SIGKILLed 3 s before)';
    await sleep(3000);
  }
  const t0 = Date.now();
  process.kill(-demo.pgid, 'SIGINT');
  const exited = await within(demo.exited, 60_000);
  const stopMs = Date.now() - t0;
  const left = await leftovers(runDir, portsOf(ports), demo.pgid, 10_000);
  const reaper = lastLine(join(runDir, 'logs', 'reaper.log'));
  const clean =
    exited && left.boundPorts.length === 0 && left.processes.length === 0 && left.groups.length === 0;
  if (!clean) failed++;
  console.log(
    `run ${run}${note}: npm exited ${exited ? `after ${stopMs} ms` : 'NOT within 60 s'}; ` +
      (clean ? 'nothing left' : `LEFT: ${JSON.stringify(left)}`) +
      `; ${reaper.replace(/^\S+ /, '')}`,
  );
  killEverything(runDir, demo.pgid);
  if (clean) rmSync(runDir, { recursive: true, force: true });
  else console.log(`  kept ${runDir}`);
}
console.log(`${runs - failed}/${runs} stops left nothing running; ${failed} left something`);
process.exit(failed === 0 ? 0 : 1);
