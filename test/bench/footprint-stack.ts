// Measurement 4 at scale: an agent serving 100 groups and a sentinel monitoring 100 masters, side by side on the same three nodes.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { type AgentSpec, agentConfigPath, agentFile, launchAgent } from '../../infra/local/agent-process.js';
import { startCoordinator } from '../../infra/local/coordinator.js';
import { localGroups } from '../../infra/local/local-groups.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { checkPrerequisites } from '../../infra/local/prerequisites.js';
import type { GroupProcess } from '../../infra/local/process-group.js';
import { startRedisNode } from '../../infra/local/redis-node.js';
import { portOpen, sleep, waitFor } from '../../infra/local/wait.js';
import { buildAgent } from '../../infra/scripts/build-agent.js';
import { agentToken } from '../../workers/auth/hmac.js';
import { EndpointProbe } from './endpoint-probe.js';
import { PORTS } from './plan.js';
import { firstChildPid, sampleWindow } from './proc-stats.js';
import type { AgentRunner, FootprintResult } from './results.js';
import { spawnSentinel } from './sentinel-conf.js';

export interface FootprintSpec {
  readonly root: string;
  readonly outDir: string;
  readonly groups: number;
  readonly windowMs: number;
  readonly log: (line: string) => void;
}

interface Stoppable {
  stop(): Promise<void>;
}

const NODES = 3;
/**
 * One monitoring process of each kind: three agents with 100 groups each (900 WebSockets into one
 * local wrangler dev, 9,000 PINGs a second) saturate this 2-core machine and measure the machine,
 * not an agent. Nodes never fail here, so no quorum is ever needed.
 */
const MONITORS = 1;
const SETTLE_MS = 3000;

export const groupNames = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => (i === 0 ? 'mymaster' : `g${String(i).padStart(3, '0')}`));

/**
 * One wrangler dev serving `groups` groups (3 voters each), three redis-servers, one sentinel
 * monitoring every group's master, and the agent of node 0, started again for each phase:
 * `groups` groups as shipped (the supervisor bundle, which forks the agent bundle, both with the
 * shipped V8 flags, side by side with the sentinel), then 1 group from source through tsx without
 * flags or supervisor, as a developer runs it (1 group as shipped is the main idle measurement).
 * Both probe all three nodes of every group at once; the nodes never fail, so nobody acts on them.
 */
export async function footprintPhase(
  spec: FootprintSpec,
  started: <T extends Stoppable>(s: Promise<T>) => Promise<T>,
  stopped: (s: Stoppable) => Promise<void>,
): Promise<FootprintResult[]> {
  const checked = checkPrerequisites(spec.root);
  if (!checked.ok) throw new Error(checked.problems.join('\n'));
  const tools = checked.found;
  const runDir = join(spec.outDir, 'stacks', 'footprint');
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  const p = PORTS.footprint;
  const names = groupNames(spec.groups);
  const options = { ...defaultStackOptions(spec.root), redisPort: p.redis, coordinatorPort: p.coordinator };
  const secret = randomBytes(24).toString('hex');
  const adminToken = randomBytes(24).toString('hex');
  // As shipped: the bin runs the supervisor, which forks the agent bundle built next to it.
  const shipped = (await buildAgent(spec.root, join(runDir, 'edge-sentinel-agent.mjs'))).supervisor;
  const fromSource = writeSourceEntry(spec.root, runDir);
  spec.log(
    `footprint: wrangler dev with ${names.length} groups, 3 redis-servers, an agent with ${names.length} groups, a sentinel monitoring ${names.length} masters`,
  );
  const coordinator = await started(
    startCoordinator({
      root: spec.root,
      wranglerJs: tools.wranglerJs,
      port: p.coordinator,
      runDir,
      secrets: { AGENT_SECRET: secret, ADMIN_TOKEN: adminToken },
      groups: Object.assign({}, ...names.map((group) => localGroups({ ...options, group }))),
    }).then((c) => c.process),
  );
  const master = `127.0.0.1:${p.redis}`;
  const nodes: GroupProcess[] = [];
  for (let i = 0; i < NODES; i++) {
    nodes.push(
      await started(
        startRedisNode({
          redisServer: tools.redisServer,
          port: p.redis + i,
          runDir,
          ...(i === 0 ? {} : { replicaOf: master }),
        }),
      ),
    );
  }
  const sentinels: GroupProcess[] = [];
  for (let i = 0; i < MONITORS; i++) {
    const port = p.sentinel + i;
    const proc = await started(
      Promise.resolve(
        spawnSentinel(tools.redisServer, runDir, {
          port,
          groups: names,
          master,
          quorum: 2,
          downAfterMs: 1000,
          failoverTimeoutMs: 6000,
        }),
      ),
    );
    sentinels.push(proc);
    await waitFor(`redis-sentinel ${port}`, 10_000, async () => ((await portOpen(port)) ? true : undefined));
  }

  const specs: AgentSpec[] = Array.from({ length: MONITORS }, (_, i) => ({
    agentId: `agent-${String.fromCharCode(97 + i)}`,
    group: 'mymaster',
    coordinatorUrl: `http://127.0.0.1:${p.coordinator}`,
    agentSecret: secret,
    adminToken,
    voters: 3,
    fencing: true,
    redisPort: p.redis + i,
    otherNodes: Array.from({ length: NODES }, (_, j) => ({
      node: `127.0.0.1:${p.redis + j}`,
      agent: `127.0.0.1:${p.agentSentinel + j}`,
    })).filter((_, j) => j !== i),
    sentinelPort: p.agentSentinel + i,
    failsafePort: p.agentSentinel + i,
    failsafeSecret: secret,
    metricsPort: p.metrics + i,
    peers: [],
    logLevel: 'info',
    runDir,
  }));
  const probe = new EndpointProbe(specs.map((s) => ({ host: '127.0.0.1', port: s.sentinelPort })));
  const results: FootprintResult[] = [];
  try {
    const phases: [number, AgentRunner][] = [
      [names.length, 'bundle'],
      [1, 'tsx'],
    ];
    for (const [count, runner] of phases) {
      const agents = await startAgents(
        specs,
        names.slice(0, count),
        runner === 'tsx' ? { script: fromSource, nodeFlags: [] } : { script: shipped },
        spec.root,
        started,
      );
      await waitFor(
        `every agent to serve ${count} groups`,
        120_000,
        async () => {
          for (const group of names.slice(0, count)) {
            const answers = await probe.masters(group);
            if (answers.some((a) => a !== master)) throw new Error(`${group}: ${answers.join(', ')}`);
          }
          return true;
        },
        500,
      );
      await sleep(SETTLE_MS);
      const withSentinels = count === names.length;
      // As shipped, `agents` are the supervisors: the agent is the process each one forked.
      const supervised = runner === 'bundle';
      const agentPids = agents.map((a) => (supervised ? forkedAgent(a) : a.pid));
      const supervisorPids = supervised ? agents.map((a) => a.pid) : [];
      const pids = [...agentPids, ...supervisorPids, ...(withSentinels ? sentinels.map((s) => s.pid) : [])];
      const samples = await sampleWindow(pids, spec.windowMs);
      const ourCount = agentPids.length + supervisorPids.length;
      results.push({
        system: 'ours',
        groups: count,
        runner,
        windowMs: spec.windowMs,
        processes: samples.slice(0, agentPids.length),
        supervisors: samples.slice(agentPids.length, ourCount),
        ok: true,
        error: null,
      });
      if (withSentinels) {
        results.push({
          system: 'sentinel',
          groups: count,
          runner: null,
          windowMs: spec.windowMs,
          processes: samples.slice(ourCount),
          supervisors: [],
          ok: true,
          error: null,
        });
      }
      spec.log(
        `footprint ${count} groups, agents via ${runner}: ` +
          samples.map((x) => `pid ${x.pid} ${x.rssMb.toFixed(1)} MB ${x.cpuPercent.toFixed(2)} %`).join(', '),
      );
      for (const a of agents) await stopped(a);
    }
  } finally {
    probe.close();
    for (const s of sentinels) await stopped(s);
    for (const n of nodes) await stopped(n);
    await stopped(coordinator);
  }
  return results;
}

function forkedAgent(supervisor: GroupProcess): number {
  const pid = firstChildPid(supervisor.pid);
  if (pid === null)
    throw new Error(`${supervisor.name}: no agent process under its supervisor (pid ${supervisor.pid})`);
  return pid;
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

/** Writes each agent's file with `groups` (a token per group: tokens are per agent and group) and starts it. */
async function startAgents(
  specs: readonly AgentSpec[],
  groups: readonly string[],
  run: { readonly script: string; readonly nodeFlags?: readonly string[] },
  root: string,
  started: <T extends Stoppable>(s: Promise<T>) => Promise<T>,
): Promise<GroupProcess[]> {
  const agents: GroupProcess[] = [];
  for (const spec of specs) {
    const file = await agentFile(spec);
    const [template] = file.groups as Record<string, unknown>[];
    const perGroup = await Promise.all(
      // A deep copy each: shared objects would be written as YAML aliases, which the agent's parser caps.
      groups.map(async (name) => ({
        ...structuredClone(template),
        name,
        token: await agentToken(spec.agentSecret, spec.agentId, name),
      })),
    );
    mkdirSync(join(spec.runDir, `agent-${spec.agentId}`, 'state'), { recursive: true });
    writeFileSync(
      agentConfigPath(spec.runDir, spec.agentId),
      `# Generated by test/bench.\n${stringify({ ...file, groups: perGroup })}`,
      {
        mode: 0o600,
      },
    );
    agents.push(await started(launchAgent(spec, run.script, root, run.nodeFlags)));
  }
  return agents;
}
