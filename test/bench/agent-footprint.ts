// `npx tsx test/bench/agent-footprint.ts`: idle RSS, heap and CPU of three agents (1 group, 3 nodes) per way of running them.
//
// One wrangler dev and three redis-servers stay up; for each variant (tsx, bundle, minified,
// V8 flags, ...) the three agents start fresh, serve the master, settle, and are sampled over the
// same window the bench uses (test/bench/proc-stats.ts: VmRSS at the end, CPU over the window),
// then asked for process.memoryUsage() and V8's space sizes (heap-report.mjs, on SIGUSR2).
// Flags: --rounds N repeats every variant, interleaved (machine noise falls on all of them);
// --only 'label;label' picks variants; --settle and --window in ms. About 40 s per variant.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { AGENT_NODE_FLAGS } from '../../infra/agent/node-flags.mjs';
import { type AgentSpec, agentConfigPath, agentFile } from '../../infra/local/agent-process.js';
import { startCoordinator } from '../../infra/local/coordinator.js';
import { localGroups } from '../../infra/local/local-groups.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { checkPrerequisites } from '../../infra/local/prerequisites.js';
import { type GroupProcess, spawnGroup } from '../../infra/local/process-group.js';
import { startRedisNode } from '../../infra/local/redis-node.js';
import { portOpen, sleep, waitFor } from '../../infra/local/wait.js';
import { buildAgent } from '../../infra/scripts/build-agent.js';
import { EndpointProbe } from './endpoint-probe.js';
import { sampleWindow } from './proc-stats.js';

/** Out of the bench's own ranges (plan.ts), so both can run on one machine. */
const PORTS = { redis: 7880, agentSentinel: 26880, metrics: 26890, coordinator: 8897 };
const NODES = 3;
const HEAP_HOOK = new URL('./heap-report.mjs', import.meta.url).href;

interface Variant {
  readonly label: string;
  /** Node flags before the script. */
  readonly nodeArgs: readonly string[];
  /** The script: 'tsx' (agent/cli.ts from source, as before), 'bundle' or 'minified' (built now). */
  readonly script: 'tsx' | 'bundle' | 'minified';
  readonly env?: Readonly<Record<string, string>>;
}

const SHIPPED = AGENT_NODE_FLAGS.join(' ');
const VARIANTS: readonly Variant[] = [
  { label: 'before: tsx', nodeArgs: [], script: 'tsx' },
  { label: 'bundle', nodeArgs: [], script: 'bundle' },
  { label: 'bundle, minified', nodeArgs: [], script: 'minified' },
  { label: 'bundle, --max-semi-space-size=1', nodeArgs: ['--max-semi-space-size=1'], script: 'bundle' },
  { label: 'bundle, --optimize-for-size', nodeArgs: ['--optimize-for-size'], script: 'bundle' },
  {
    label: 'bundle, --optimize-for-size --v8-pool-size=1',
    nodeArgs: ['--optimize-for-size', '--v8-pool-size=1'],
    script: 'bundle',
  },
  {
    label: 'bundle, --optimize-for-size, MALLOC_ARENA_MAX=2',
    nodeArgs: ['--optimize-for-size'],
    script: 'bundle',
    env: { MALLOC_ARENA_MAX: '2' },
  },
  { label: `as shipped: bundle, ${SHIPPED}`, nodeArgs: AGENT_NODE_FLAGS, script: 'bundle' },
];

interface Row {
  readonly label: string;
  readonly rssMb: readonly number[];
  readonly heapUsedMb: readonly number[];
  readonly heapTotalMb: readonly number[];
  readonly newSpaceMb: readonly number[];
  readonly cpuPercent: readonly number[];
}

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const mb = (bytes: number) => bytes / 1024 / 1024;
const GROUP = defaultStackOptions(root).group;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      settle: { type: 'string', default: '10000' },
      window: { type: 'string', default: '20000' },
      rounds: { type: 'string', default: '1' },
    },
  });
  const chosen = VARIANTS.filter(
    (v) => values.only === undefined || values.only.split(';').includes(v.label),
  );
  const settleMs = Number(values.settle);
  const windowMs = Number(values.window);
  const checked = checkPrerequisites(root);
  if (!checked.ok) throw new Error(checked.problems.join('\n'));
  const runDir = join(root, '.local-state', `agent-footprint-${Date.now()}`);
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  const scripts = {
    tsx: join(runDir, 'tsx-entry.mjs'),
    bundle: (await buildAgent(root, join(runDir, 'agent.mjs'))).outfile,
    minified: (await buildAgent(root, join(runDir, 'agent.min.mjs'), { minify: true })).outfile,
  };
  writeFileSync(
    scripts.tsx,
    "import { register } from 'tsx/esm/api';\nregister();\n" +
      `const { main } = await import(${JSON.stringify(join(root, 'agent', 'cli.ts'))});\n` +
      'process.exit(await main(process.argv.slice(2), process.env));\n',
  );
  const secret = randomBytes(24).toString('hex');
  const options = {
    ...defaultStackOptions(root),
    redisPort: PORTS.redis,
    coordinatorPort: PORTS.coordinator,
  };
  const started: GroupProcess[] = [];
  const rows: Row[] = [];
  try {
    const coordinator = await startCoordinator({
      root,
      wranglerJs: checked.found.wranglerJs,
      port: PORTS.coordinator,
      runDir,
      secrets: { AGENT_SECRET: secret, ADMIN_TOKEN: randomBytes(24).toString('hex') },
      groups: localGroups(options),
    });
    started.push(coordinator.process);
    const master = `127.0.0.1:${PORTS.redis}`;
    for (let i = 0; i < NODES; i++) {
      started.push(
        await startRedisNode({
          redisServer: checked.found.redisServer,
          port: PORTS.redis + i,
          runDir,
          ...(i === 0 ? {} : { replicaOf: master }),
        }),
      );
    }
    const specs: AgentSpec[] = Array.from({ length: NODES }, (_, i) => ({
      agentId: `agent-${String.fromCharCode(97 + i)}`,
      group: options.group,
      coordinatorUrl: coordinator.url,
      agentSecret: secret,
      adminToken: 'unused-admin-token-0123456789',
      voters: options.voters,
      fencing: true,
      redisPort: PORTS.redis + i,
      otherNodes: Array.from({ length: NODES }, (_, j) => ({
        node: `127.0.0.1:${PORTS.redis + j}`,
        agent: `127.0.0.1:${PORTS.agentSentinel + j}`,
      })).filter((_, j) => j !== i),
      sentinelPort: PORTS.agentSentinel + i,
      failsafePort: PORTS.agentSentinel + i,
      failsafeSecret: secret,
      metricsPort: PORTS.metrics + i,
      peers: [],
      logLevel: 'info',
      runDir,
    }));
    const probe = new EndpointProbe(specs.map((s) => ({ host: '127.0.0.1', port: s.sentinelPort })));
    try {
      for (let round = 0; round < Number(values.rounds); round++) {
        for (const variant of chosen) {
          rows.push(
            await measure(variant, scripts[variant.script], specs, probe, master, settleMs, windowMs),
          );
          const r = rows[rows.length - 1] as Row;
          console.log(
            `${r.label}: RSS ${r.rssMb.map((x) => x.toFixed(1)).join('/')} MB, heap used ` +
              `${r.heapUsedMb.map((x) => x.toFixed(1)).join('/')} MB, CPU ${r.cpuPercent.map((x) => x.toFixed(2)).join('/')} %`,
          );
        }
      }
    } finally {
      probe.close();
    }
  } finally {
    for (const p of started.reverse()) await p.stop();
  }
  console.log(
    '\n| how the agent runs | RSS MB (mean of 3) | heap used MB | heap total MB | new space MB | CPU % of a core |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${mean(r.rssMb).toFixed(1)} | ${mean(r.heapUsedMb).toFixed(1)} | ${mean(r.heapTotalMb).toFixed(1)} | ${mean(r.newSpaceMb).toFixed(1)} | ${mean(r.cpuPercent).toFixed(2)} |`,
    );
  }
  rmSync(runDir, { recursive: true, force: true });
  return 0;
}

async function measure(
  variant: Variant,
  script: string,
  specs: readonly AgentSpec[],
  probe: EndpointProbe,
  master: string,
  settleMs: number,
  windowMs: number,
): Promise<Row> {
  const agents: GroupProcess[] = [];
  const reports = specs.map((s) => join(s.runDir, `heap-${s.agentId}.json`));
  try {
    for (const [i, spec] of specs.entries()) {
      const stateDir = join(spec.runDir, `agent-${spec.agentId}`, 'state');
      rmSync(stateDir, { recursive: true, force: true });
      mkdirSync(stateDir, { recursive: true });
      writeFileSync(agentConfigPath(spec.runDir, spec.agentId), stringify(await agentFile(spec)), {
        mode: 0o600,
      });
      agents.push(
        spawnGroup({
          name: `agent-${spec.agentId}`,
          command: process.execPath,
          args: [
            ...variant.nodeArgs,
            '--import',
            HEAP_HOOK,
            script,
            '--config',
            agentConfigPath(spec.runDir, spec.agentId),
          ],
          env: { ...process.env, ...variant.env, EDGE_SENTINEL_HEAP_REPORT: reports[i] },
          logFile: join(spec.runDir, 'logs', `agent-${spec.agentId}.log`),
          stopGraceMs: 7000,
        }),
      );
    }
    await waitFor(
      `agents (${variant.label}) to name ${master}`,
      60_000,
      async () => {
        for (const spec of specs) if (!(await portOpen(spec.sentinelPort))) return undefined;
        const answers = await probe.masters(GROUP);
        return answers.every((a) => a === master) ? true : undefined;
      },
      200,
    );
    await sleep(settleMs);
    const samples = await sampleWindow(
      agents.map((a) => a.pid),
      windowMs,
    );
    for (const a of agents) process.kill(a.pid, 'SIGUSR2');
    await sleep(300);
    const heaps = reports.map((path) => {
      if (!existsSync(path)) throw new Error(`no heap report at ${path}`);
      return JSON.parse(readFileSync(path, 'utf8')) as {
        memory: NodeJS.MemoryUsage;
        spaces: Record<string, { size: number }>;
      };
    });
    return {
      label: variant.label,
      rssMb: samples.map((s) => s.rssMb),
      heapUsedMb: heaps.map((h) => mb(h.memory.heapUsed)),
      heapTotalMb: heaps.map((h) => mb(h.memory.heapTotal)),
      newSpaceMb: heaps.map((h) => mb(h.spaces.new_space?.size ?? 0)),
      cpuPercent: samples.map((s) => s.cpuPercent),
    };
  } finally {
    for (const a of agents) await a.stop();
  }
}

process.exitCode = await main();
