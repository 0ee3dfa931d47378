// `npx tsx test/bench/cpu-profile-top.ts <file.cpuprofile> [--last-ms N] [--top N]`: the frames with the most self and total time, from a node --cpu-prof profile.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FrameTime {
  readonly frame: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${basename(url)}:${lineNumber + 1}`;
  return `${functionName === '' ? '(anonymous)' : functionName}${where}`;
}

/**
 * Self and total time per frame over the samples of the last `lastMs` of the profile (all when
 * null): a steady state without the start. Total time counts a frame once per sample even when
 * it recurses.
 */
export function frameTimes(
  profile: CpuProfile,
  lastMs: number | null,
): { frames: FrameTime[]; spanMs: number } {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const times: number[] = [];
  let t = 0;
  for (const delta of profile.timeDeltas) {
    t += delta;
    times.push(t);
  }
  const endUs = t;
  const fromUs = lastMs === null ? Number.NEGATIVE_INFINITY : endUs - lastMs * 1000;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let firstUs: number | null = null;
  profile.samples.forEach((id, i) => {
    const at = times[i] ?? 0;
    if (at < fromUs) return;
    firstUs ??= at;
    const weightUs = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(id);
    if (node === undefined) return;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + weightUs);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const frame = byId.get(n);
      if (frame === undefined) break;
      const f = frameName(frame);
      if (seen.has(f)) continue;
      seen.add(f);
      total.set(f, (total.get(f) ?? 0) + weightUs);
    }
  });
  const frames = [...total.keys()].map((frame) => ({
    frame,
    selfMs: (self.get(frame) ?? 0) / 1000,
    totalMs: (total.get(frame) ?? 0) / 1000,
  }));
  return { frames, spanMs: (endUs - (firstUs ?? endUs)) / 1000 };
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]))) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'last-ms': { type: 'string' }, top: { type: 'string', default: '25' } },
  });
  const [file] = positionals;
  if (file === undefined) {
    console.error('usage: cpu-profile-top.ts <file.cpuprofile> [--last-ms N] [--top N]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const lastMs = values['last-ms'] === undefined ? null : Number(values['last-ms']);
  const { frames, spanMs } = frameTimes(profile, lastMs);
  const top = Number(values.top);
  const busyMs = frames
    .filter((f) => !['(idle)', '(root)', '(program)'].includes(f.frame))
    .reduce((a, f) => a + f.selfMs, 0);
  const pct = (ms: number) => `${((ms / spanMs) * 100).toFixed(1)} %`.padStart(7);
  console.log(`span ${(spanMs / 1000).toFixed(1)} s; busy in JS and GC ${pct(busyMs)} of it`);
  console.log('\nself time (% of the span)');
  for (const f of [...frames].sort((a, b) => b.selfMs - a.selfMs).slice(0, top))
    console.log(`${pct(f.selfMs)}  ${f.frame}`);
  console.log('\ntotal time (% of the span)');
  for (const f of [...frames].sort((a, b) => b.totalMs - a.totalMs).slice(0, top))
    console.log(`${pct(f.totalMs)}  ${f.frame}`);
}
