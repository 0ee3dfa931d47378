// Measurement 4 at scale: one agent serving 10, 100, 1,000 ... groups and a redis-sentinel monitoring as many masters, side by side on the same three nodes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GroupProcess } from '../../infra/local/process-group.js';
import { sleep } from '../../infra/local/wait.js';
import { buildAgent } from '../../infra/scripts/build-agent.js';
import { PORTS } from './plan.js';
import { sampleWindow } from './proc-stats.js';
import type { AgentRunner, FootprintResult, ProcessFootprint } from './results.js';
import { type ProcessHooks, ScaleStack } from './scale-stack.js';

export interface FootprintSpec {
  readonly root: string;
  readonly outDir: string;
  /** The group counts measured, one row each (the stack serves the largest). */
  readonly groups: readonly number[];
  readonly windowMs: number;
  readonly log: (line: string) => void;
}

const SETTLE_MS = 3000;
/**
 * Above this many groups one local wrangler dev cannot serve the voters' live links (1,000 groups:
 * sockets dropped, lease pongs seconds late): stand-in voters in the bench process serve them
 * (`ScaleStack`'s `standInVoters`), which measures the agent, not the coordinator.
 */
const MAX_WRANGLER_GROUPS = 300;

/**
 * One wrangler dev serving the largest count of groups (3 voters each) and three redis-servers;
 * for each count a redis-sentinel monitoring that many masters and the agent of node 0 serving
 * that many groups as shipped (the supervisor bundle forking the agent bundle, both with the
 * shipped V8 flags), sampled in the same window; at the largest count, the agent beside a replica
 * of every group (node 1) as well; then 1 group from source through tsx without
 * flags or supervisor, as a developer runs it (1 group as shipped is the idle phase's row). One
 * monitoring process of each kind: three agents with 100 groups each would measure this 2-core
 * machine, not an agent. The nodes never fail, so nobody acts on them. A count above
 * `MAX_WRANGLER_GROUPS` runs on its own stack with stand-in voters. A count that cannot be served
 * is a failed row with the reason, and the other counts are still measured.
 */
export async function footprintPhase(spec: FootprintSpec, hooks: ProcessHooks): Promise<FootprintResult[]> {
  const runDir = join(spec.outDir, 'stacks', 'footprint');
  const counts = [...spec.groups].sort((a, b) => a - b);
  const served = counts.filter((count) => count <= MAX_WRANGLER_GROUPS);
  const largest = served.at(-1) ?? 1;
  const shipped = (await buildAgent(spec.root, join(runDir, 'edge-sentinel-agent.mjs'))).supervisor;
  spec.log(
    `footprint: wrangler dev with ${largest} groups, 3 redis-servers; agent and sentinel at ${served.join(', ')}`,
  );
  const stack = await ScaleStack.start(
    { root: spec.root, runDir, groups: largest, ports: PORTS.footprint, readyTimeoutMs: 300_000 },
    hooks,
  );
  const results: FootprintResult[] = [];
  try {
    for (const count of served) results.push(...(await measureShipped(stack, count, shipped, spec, hooks)));
    if (largest > 1) results.push(await measureBesideReplica(stack, largest, shipped, spec));
    results.push(await measureFromSource(stack, writeSourceEntry(spec.root, runDir), spec));
  } finally {
    await stack.stop();
  }
  for (const count of counts.filter((c) => c > MAX_WRANGLER_GROUPS)) {
    spec.log(
      `footprint: stand-in voters with ${count} groups, 3 redis-servers; agent and sentinel at ${count}`,
    );
    const standIn = await ScaleStack.start(
      {
        root: spec.root,
        runDir: join(runDir, `stand-in-${count}`),
        groups: count,
        ports: PORTS.footprint,
        standInVoters: true,
      },
      hooks,
    );
    try {
      const measured = await measureShipped(standIn, count, shipped, spec, hooks, { apart: true });
      results.push(...measured.map((r) => ({ ...r, standInVoters: true })));
    } finally {
      await standIn.stop();
    }
  }
  return results;
}

/**
 * The agent as shipped and a sentinel, both at `count` groups, in one window; or `apart`, one
 * after the other (1,000 groups of both at once on the same three nodes saturate this 2-core
 * machine: the nodes stop answering, and each would measure the other).
 */
async function measureShipped(
  stack: ScaleStack,
  count: number,
  supervisorBundle: string,
  spec: FootprintSpec,
  hooks: ProcessHooks,
  { apart = false }: { readonly apart?: boolean } = {},
): Promise<FootprintResult[]> {
  const failed = (error: unknown): FootprintResult[] =>
    (['ours', 'sentinel'] as const).map((system) => ({
      system,
      groups: count,
      runner: system === 'ours' ? 'bundle' : null,
      windowMs: spec.windowMs,
      processes: [],
      supervisors: [],
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    }));
  let sentinel: GroupProcess;
  try {
    sentinel = await stack.startSentinel(count);
  } catch (error) {
    return failed(error);
  }
  let sentinelAlone: ProcessFootprint | null = null;
  let sentinelStopped = false;
  try {
    if (apart) {
      await sleep(SETTLE_MS);
      sentinelAlone = (await sampleWindow([sentinel.pid], spec.windowMs))[0] ?? null;
      sentinelStopped = true;
      await hooks.stopped(sentinel);
    }
    const { ours, supervisor, alongside } = await sampleShippedAgent(stack, count, supervisorBundle, spec, {
      alongside: apart ? [] : [sentinel.pid],
    });
    const theirs = sentinelAlone ?? alongside[0];
    if (theirs === undefined) throw new Error('no samples');
    spec.log(
      `footprint ${count} groups: agent ${ours.rssMb.toFixed(1)} MB ${ours.cpuPercent.toFixed(1)} %, ` +
        `supervisor ${supervisor.rssMb.toFixed(1)} MB ${supervisor.cpuPercent.toFixed(1)} %, ` +
        `redis-sentinel ${theirs.rssMb.toFixed(1)} MB ${theirs.cpuPercent.toFixed(1)} %${apart ? ' (measured before the agent started)' : ''}`,
    );
    const row = { groups: count, windowMs: spec.windowMs, ok: true, error: null } as const;
    return [
      { ...row, system: 'ours', runner: 'bundle', processes: [ours], supervisors: [supervisor] },
      { ...row, system: 'sentinel', runner: null, processes: [theirs], supervisors: [] },
    ];
  } catch (error) {
    spec.log(`footprint ${count} groups failed: ${String(error)}`);
    return failed(error);
  } finally {
    if (!sentinelStopped) await hooks.stopped(sentinel);
  }
}

/**
 * The agent as shipped beside node 1, a replica in every group: what the other boxes of a group
 * run. With the masters spread over the boxes, a box's agent is this for most of its groups.
 */
async function measureBesideReplica(
  stack: ScaleStack,
  count: number,
  supervisorBundle: string,
  spec: FootprintSpec,
): Promise<FootprintResult> {
  const base = {
    system: 'ours',
    groups: count,
    runner: 'bundle',
    windowMs: spec.windowMs,
    besideReplica: true,
  } as const;
  try {
    const { ours, supervisor } = await sampleShippedAgent(stack, count, supervisorBundle, spec, { node: 1 });
    spec.log(
      `footprint ${count} groups beside a replica: agent ${ours.rssMb.toFixed(1)} MB ${ours.cpuPercent.toFixed(1)} %, ` +
        `supervisor ${supervisor.rssMb.toFixed(1)} MB ${supervisor.cpuPercent.toFixed(1)} %`,
    );
    return { ...base, processes: [ours], supervisors: [supervisor], ok: true, error: null };
  } catch (error) {
    spec.log(`footprint ${count} groups beside a replica failed: ${String(error)}`);
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, processes: [], supervisors: [], ok: false, error: message };
  }
}

/**
 * The agent as shipped (supervisor and agent bundles) at `count` groups beside `node` (default
 * the stack's), once it serves them all and has settled, sampled in one window with the
 * `alongside` processes; stopped after.
 */
async function sampleShippedAgent(
  stack: ScaleStack,
  count: number,
  supervisorBundle: string,
  spec: FootprintSpec,
  { node, alongside = [] }: { readonly node?: number; readonly alongside?: readonly number[] },
): Promise<{ ours: ProcessFootprint; supervisor: ProcessFootprint; alongside: ProcessFootprint[] }> {
  const startMs = performance.now();
  const agent = await stack.startAgent(count, {
    script: supervisorBundle,
    supervised: true,
    ...(node === undefined ? {} : { node }),
  });
  try {
    spec.log(
      `footprint ${count} groups: the agent serves them all after ${Math.round(performance.now() - startMs)} ms`,
    );
    await sleep(SETTLE_MS);
    const [ours, supervisor, ...others] = await sampleWindow(
      [agent.agentPid, agent.supervisorPid ?? agent.agentPid, ...alongside],
      spec.windowMs,
    );
    if (ours === undefined || supervisor === undefined) throw new Error('no samples');
    return { ours, supervisor, alongside: others };
  } finally {
    await agent.stop();
  }
}

/** One group from source through tsx: what a developer runs. */
async function measureFromSource(
  stack: ScaleStack,
  entry: string,
  spec: FootprintSpec,
): Promise<FootprintResult> {
  const runner: AgentRunner = 'tsx';
  const agent = await stack.startAgent(1, { script: entry, supervised: false, nodeFlags: [] });
  try {
    await sleep(SETTLE_MS);
    const samples = await sampleWindow([agent.agentPid], spec.windowMs);
    spec.log(
      `footprint 1 group via tsx: ${samples.map((s) => `${s.rssMb.toFixed(1)} MB ${s.cpuPercent.toFixed(2)} %`).join(', ')}`,
    );
    return {
      system: 'ours',
      groups: 1,
      runner,
      windowMs: spec.windowMs,
      processes: samples,
      supervisors: [],
      ok: true,
      error: null,
    };
  } finally {
    await agent.stop();
  }
}

/**
 * What `npx edge-sentinel agent` runs: agent/cli.ts through tsx, no build, no V8 flags, no
 * supervisor. tsx is imported by its resolved URL, so the entry runs from any directory
 * (`--out` outside the checkout has no node_modules to resolve a bare 'tsx' from).
 */
export function writeSourceEntry(root: string, runDir: string): string {
  const entry = join(runDir, 'agent-from-source.mjs');
  writeFileSync(
    entry,
    `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};\nregister();\n` +
      `const { main } = await import(${JSON.stringify(pathToFileURL(join(root, 'agent', 'cli.ts')).href)});\n` +
      'process.exit(await main(process.argv.slice(2), process.env));\n',
  );
  return entry;
}
