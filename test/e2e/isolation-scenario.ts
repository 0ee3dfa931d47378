// The master and its agent isolated from everything (TCP and failsafe UDP fault proxies), its agent optionally killed or stopped: shared by isolation and dead-man e2e files.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { FENCE_MIN_REPLICAS } from '../../agent/runtime/fence.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { configGet, existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { type AckedWrite, startWriteLoad, type WriteLoad } from '../../infra/local/write-load.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { startUdpFaultProxy, type UdpFaultProxy } from '../support/udp-fault-proxy.js';
import { agentLogRecords, monotonicMs, portOf } from './helpers.js';

/**
 * What happens to the master's agent at the moment of the isolation:
 * - `none`: it keeps running (isolated with its node);
 * - `SIGKILL` / `SIGSTOP`: the agent process only; its supervisor stays and must apply the fence
 *   (dead-man); a killed agent is restarted by the supervisor, a stopped one is continued before healing;
 * - `unit-kill`: the agent and its supervisor together, so nothing is left to fence the node (the
 *   dead-man tests' teeth); the unit is started again before healing.
 */
export type AgentFault = 'none' | 'SIGKILL' | 'SIGSTOP' | 'unit-kill';

export interface IsolationPorts {
  /** Nodes on redis, redis + 1, redis + 2; node 0 is the master. */
  readonly redis: number;
  /** TCP: the master's name everywhere (only its own agent and the inside writer use `redis`). */
  readonly masterProxy: number;
  readonly coordinator: number;
  /** TCP: the master's agent reaches wrangler dev only through it. */
  readonly coordinatorProxy: number;
  /** Agent i's Sentinel port (and its failsafe UDP port) is sentinel + i. */
  readonly sentinel: number;
  readonly metrics: number;
  /**
   * UDP: failsafeProxy carries node 0's agent's datagrams to node 1's agent, + 1 to node 2's, and
   * + 2 the datagrams of the agents of nodes 1 and 2 to node 0's.
   */
  readonly failsafeProxy: number;
}

export interface IsolationScenario {
  readonly label: string;
  readonly ports: IsolationPorts;
  readonly fencing: boolean;
  readonly agentFault: AgentFault;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const DOWN_AFTER_MS = 1000;
/** The group's lease: leaseMs defaults to downAfterMs (workers/config/groups.ts). */
export const LEASE_MS = DOWN_AFTER_MS;
/** Generous margin on the fence: agent ticks, a loaded 2-core machine. */
export const FENCE_MARGIN_MS = 1500;
const FAILOVER_BOUND_MS = 30_000;
/** Writes acknowledged by the old master this long before the isolation may not have reached a replica. */
const REPLICATION_LAG_WINDOW_MS = 250;
/** Commands time out fast: a timed-out write reconnects (a blackholed connection never closes by itself). */
const WRITER_TIMEOUTS = { commandTimeoutMs: 500, reconnectOnTimeout: true } as const;

interface Rig {
  readonly stack: LocalStack;
  readonly masterProxy: FaultProxy;
  readonly coordinatorProxy: FaultProxy;
  /** To node 1's agent, to node 2's agent, to node 0's agent. */
  readonly udp: readonly UdpFaultProxy[];
}

interface Writers {
  readonly outside: WriteLoad;
  readonly inside: WriteLoad;
}

interface Failover {
  readonly isolateAtMs: number;
  /** The isolation on CLOCK_MONOTONIC and the wall clock, to read the agent's log against. */
  readonly isolateAtMonoMs: number;
  readonly isolateAtWallMs: number;
  readonly newMaster: string;
  readonly publishedAtMs: number;
}

/** Runs the whole scenario; every process and proxy it started is stopped whatever happens. */
export async function runIsolationScenario(sc: IsolationScenario): Promise<void> {
  const startedAtMs = performance.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  let rig: Rig | undefined;
  try {
    rig = await startRig(sc, cleanups);
    await checkHooks(rig, sc);
    const writers = startWriters(rig, cleanups);
    await waitFor('200 acknowledged writes from each writer', 20_000, async () =>
      writers.outside.ackedCount() >= 200 && writers.inside.ackedCount() >= 200 ? true : undefined,
    );
    const failover = await isolateAndFailOver(rig, sc, writers);
    const fenceMs = await checkOldMaster(sc, writers, failover);
    await heal(rig, sc, failover);
    await checkLosses(sc, writers, failover, fenceMs, startedAtMs);
  } finally {
    // A stopped agent cannot even stop: continue it first.
    if (sc.agentFault === 'SIGSTOP' && rig !== undefined) continueAgent(rig.stack);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

async function startRig(sc: IsolationScenario, cleanups: (() => Promise<unknown>)[]): Promise<Rig> {
  const p = sc.ports;
  // Everybody but node 0's agent reaches node 0 through masterProxy (its announce address), and
  // node 0's agent reaches wrangler dev only through coordinatorProxy.
  const masterProxy = await startFaultProxy({ host: '127.0.0.1', port: p.redis }, p.masterProxy);
  cleanups.push(() => masterProxy.close());
  const coordinatorProxy = await startFaultProxy(
    { host: '127.0.0.1', port: p.coordinator },
    p.coordinatorProxy,
  );
  cleanups.push(() => coordinatorProxy.close());
  // The failsafe links to and from node 0's agent, one UDP relay per direction and target.
  const udp: UdpFaultProxy[] = [];
  for (const [i, target] of [p.sentinel + 1, p.sentinel + 2, p.sentinel].entries()) {
    const relay = await startUdpFaultProxy({ host: '127.0.0.1', port: target }, p.failsafeProxy + i);
    cleanups.push(() => relay.close());
    udp.push(relay);
  }
  const [toB, toC, toA] = udp;
  if (toB === undefined || toC === undefined || toA === undefined) throw new Error('three UDP relays');
  const stack = await startStack({
    ...defaultStackOptions(root),
    redisPort: p.redis,
    sentinelPort: p.sentinel,
    metricsPort: p.metrics,
    coordinatorPort: p.coordinator,
    downAfterMs: DOWN_AFTER_MS,
    fencing: sc.fencing,
    announcePorts: { 0: p.masterProxy },
    agentRoutes: { 0: { [`127.0.0.1:${p.coordinator}`]: `127.0.0.1:${p.coordinatorProxy}` } },
    failsafeRoutes: { 0: { 1: toB.port, 2: toC.port }, 1: { 0: toA.port }, 2: { 0: toA.port } },
  });
  cleanups.push(() => stack.stop());
  return { stack, masterProxy, coordinatorProxy, udp };
}

/** The hooks are in place: replicas replicate through masterProxy, agent a talks to the voters and its peers through proxies. */
async function checkHooks(rig: Rig, sc: IsolationScenario): Promise<void> {
  const s = rig.stack;
  const master = `127.0.0.1:${sc.ports.masterProxy}`;
  expect(s.nodes[0]?.address).toBe(master);
  expect(await s.publishedMaster()).toMatchObject({
    host: '127.0.0.1',
    port: sc.ports.masterProxy,
    epoch: 0,
  });
  for (const n of s.nodes.slice(1)) {
    expect(await nodeRole(n.port)).toMatchObject({ role: 'replica', masterAddr: master, linkUp: true });
  }
  expect(rig.masterProxy.connections()).toBeGreaterThanOrEqual(2);
  expect(rig.coordinatorProxy.connections()).toBeGreaterThanOrEqual(1);
  if (sc.fencing) {
    // The master's agent probes its peers' readiness at start, and they answer through toA.
    await waitFor('failsafe datagrams through every UDP relay', 15_000, async () =>
      rig.udp.every((relay) => relay.forwarded() > 0) ? true : undefined,
    );
  }
}

function startWriters(rig: Rig, cleanups: (() => Promise<unknown>)[]): Writers {
  const s = rig.stack;
  // The outside writer asks the agents outside the partition; the inside one writes to the real port.
  const outside = startWriteLoad({
    sentinels: s.sentinels.slice(1),
    group: s.options.group,
    prefix: 'out',
    ...WRITER_TIMEOUTS,
    // It learns agent a's Sentinel port from the others (`SENTINEL sentinels`): stopped, agent a
    // accepts the connection and never answers.
    sentinelCommandTimeoutMs: 500,
  });
  cleanups.push(() => outside.stop());
  const inside = startWriteLoad({
    sentinels: [],
    group: s.options.group,
    prefix: 'in',
    target: { host: '127.0.0.1', port: s.options.redisPort },
    ...WRITER_TIMEOUTS,
  });
  cleanups.push(() => inside.stop());
  return { outside, inside };
}

async function isolateAndFailOver(rig: Rig, sc: IsolationScenario, writers: Writers): Promise<Failover> {
  const s = rig.stack;
  const agentPidBefore = s.agentPid(0);
  const isolateAtMs = performance.now();
  const isolateAtMonoMs = monotonicMs();
  const isolateAtWallMs = Date.now();
  // A partition that drops packets: nothing is refused, everything just goes silent. (This once
  // stalled failovers: agents waited for the silent master's INFO before answering the leader's
  // observe request, longer than the leader waited for them.)
  rig.masterProxy.blackhole();
  rig.coordinatorProxy.blackhole();
  for (const relay of rig.udp) relay.blackhole();
  if (sc.agentFault === 'SIGKILL' || sc.agentFault === 'SIGSTOP') s.signalAgent(0, sc.agentFault);
  if (sc.agentFault === 'unit-kill') await s.killAgent(0);

  const newMaster = await waitFor('a new master on the HTTP endpoint', FAILOVER_BOUND_MS, async () => {
    const m = await s.publishedMaster();
    return m.port === sc.ports.masterProxy ? undefined : `${m.host}:${m.port}`;
  });
  const publishedAtMs = performance.now();
  await waitFor(`the agents outside the partition to name ${newMaster}`, FAILOVER_BOUND_MS, async () => {
    const answers = await s.agentMasters();
    return answers[1] === newMaster && answers[2] === newMaster ? true : undefined;
  });
  expect(s.nodes.slice(1).map((n) => n.address)).toContain(newMaster);
  expect((await nodeRole(portOf(newMaster))).role).toBe('master');
  const resumed = await waitFor('an outside write acknowledged after the failover', 15_000, async () => {
    const ack = writers.outside.firstAckSentAfter(publishedAtMs);
    if (ack === undefined) throw new Error(`the outside client is ${writers.outside.client.status}`);
    return ack;
  });
  console.log(
    `${sc.label}: ${s.nodes[0]?.address} -> ${newMaster} published ${Math.round(publishedAtMs - isolateAtMs)} ms ` +
      `after the isolation, outside writes resumed ${Math.round(resumed.ackAtMs - isolateAtMs)} ms after it`,
  );
  const failover = { isolateAtMs, isolateAtMonoMs, isolateAtWallMs, newMaster, publishedAtMs };
  await checkAgentFault(s, sc.agentFault, agentPidBefore, failover);
  return failover;
}

/** The fault took: a killed agent was restarted by its supervisor, a stopped one is still stopped. */
async function checkAgentFault(
  s: LocalStack,
  fault: AgentFault,
  pidBefore: number | null,
  f: Pick<Failover, 'isolateAtMonoMs' | 'isolateAtWallMs'>,
): Promise<void> {
  const supervisor = s.nodes[0]?.agent ?? null;
  switch (fault) {
    case 'none':
      return;
    case 'SIGKILL': {
      expect(supervisor?.running()).toBe(true);
      const pid = await waitFor('the supervisor to restart the agent', 15_000, async () => {
        const now = s.agentPid(0);
        return now !== null && now !== pidBefore ? now : undefined;
      });
      // The supervisor holds the dead agent's last fence deadline (CLOCK_MONOTONIC): within the lease.
      const died = supervisorLog(s, f.isolateAtWallMs).find((r) => r.msg.startsWith('the agent died'));
      const deadlineMs =
        typeof died?.record.fenceDeadlineMs === 'number' ? died.record.fenceDeadlineMs : null;
      expect(deadlineMs).not.toBeNull();
      const deadlineAfterMs = (deadlineMs ?? 0) - f.isolateAtMonoMs;
      expect(deadlineAfterMs).toBeLessThan(LEASE_MS + FENCE_MARGIN_MS);
      console.log(
        `dead-man: agent ${pidBefore} SIGKILLed; its supervisor held a fence deadline ${deadlineAfterMs} ms after ` +
          `the isolation and restarted the agent as ${pid} ${describeSupervisor(s, f.isolateAtWallMs)}`,
      );
      return;
    }
    case 'SIGSTOP': {
      expect(supervisor?.running()).toBe(true);
      expect(s.agentPid(0)).toBe(pidBefore);
      expect(processState(pidBefore)).toBe('T');
      console.log(`dead-man: agent ${pidBefore} stopped; ${describeSupervisor(s, f.isolateAtWallMs)}`);
      return;
    }
    case 'unit-kill':
      expect(supervisor).toBeNull();
      return;
  }
}

/** The supervisor's log lines from `sinceWallMs` on, with their offsets from it. */
function supervisorLog(s: LocalStack, sinceWallMs: number) {
  return agentLogRecords(s, 0)
    .filter((r) => r.agent === 'supervisor' && typeof r.time === 'string' && typeof r.msg === 'string')
    .map((r) => ({ record: r, msg: String(r.msg), afterMs: Date.parse(String(r.time)) - sinceWallMs }))
    .filter((r) => r.afterMs >= -5);
}

/** When the supervisor fenced the node and restarted the agent, relative to the isolation (wall clock, ms). */
function describeSupervisor(s: LocalStack, sinceWallMs: number): string {
  const lines = supervisorLog(s, sinceWallMs);
  const fenced = lines.find((r) => r.msg.startsWith('node fenced'));
  const restarted = lines.find((r) => r.msg.startsWith('agent started'));
  return (
    `(log: node fenced +${fenced?.afterMs ?? '?'} ms` +
    (restarted === undefined ? '' : `, agent restarted +${restarted.afterMs} ms`) +
    ' after the isolation)'
  );
}

/** The one-letter state in /proc/<pid>/stat (R, S, T for stopped, ...). */
function processState(pid: number | null): string {
  if (pid === null) return 'none';
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

function continueAgent(s: LocalStack): void {
  try {
    s.signalAgent(0, 'SIGCONT');
  } catch {
    // No agent process (already gone): nothing to continue.
  }
}

/** How long the old master kept acknowledging writes (null: it was never expected to stop). */
async function checkOldMaster(sc: IsolationScenario, writers: Writers, f: Failover): Promise<number | null> {
  const { inside } = writers;
  if (!sc.fencing || sc.agentFault === 'unit-kill') {
    // Split brain: the old master still acknowledges writes after the failover.
    const split = await waitFor('an inside write acknowledged after the failover', 10_000, async () =>
      inside.firstAckSentAfter(f.publishedAtMs),
    );
    expect(split.ackAtMs).toBeGreaterThan(f.publishedAtMs);
    expect(Number(await configGet(sc.ports.redis, 'min-replicas-to-write'))).toBeLessThan(FENCE_MIN_REPLICAS);
    await sleep(2000);
    return null;
  }
  const fencedAtMs = await waitFor('the old master to refuse writes (NOREPLICAS)', 15_000, async () =>
    inside.firstErrorAfter('NOREPLICAS', f.isolateAtMs),
  );
  const fenceMs = fencedAtMs - f.isolateAtMs;
  console.log(`${sc.label}: the old master refused writes ${Math.round(fenceMs)} ms after the isolation`);
  expect(fenceMs).toBeLessThan(LEASE_MS + FENCE_MARGIN_MS);
  // Keep writing a while: still nothing acknowledged inside the partition after the fence.
  await sleep(2000);
  const lateAcks = inside.acked.filter((w) => w.sentAtMs > f.isolateAtMs + LEASE_MS + FENCE_MARGIN_MS);
  expect(lateAcks.map((w) => w.key)).toEqual([]);
  expect(inside.acked.filter((w) => w.ackAtMs >= f.publishedAtMs).map((w) => w.key)).toEqual([]);
  expect(Number(await configGet(sc.ports.redis, 'min-replicas-to-write'))).toBeGreaterThanOrEqual(
    FENCE_MIN_REPLICAS,
  );
  return fenceMs;
}

/** The agent back (continued or restarted), then the links: the old master becomes a replica of the new one. */
async function heal(rig: Rig, sc: IsolationScenario, f: Failover): Promise<void> {
  const s = rig.stack;
  if (sc.agentFault === 'SIGSTOP') {
    continueAgent(s);
    // Continued while still isolated, with a view ten seconds old: it must not unfence its node.
    await sleep(1000);
    expect(Number(await configGet(sc.ports.redis, 'min-replicas-to-write'))).toBeGreaterThanOrEqual(
      FENCE_MIN_REPLICAS,
    );
  }
  if (sc.agentFault === 'unit-kill') await s.restartAgent(0);
  const healAtMs = performance.now();
  rig.masterProxy.restore();
  rig.coordinatorProxy.restore();
  for (const relay of rig.udp) relay.restore();
  await waitFor(`the old master to replicate ${f.newMaster}`, 30_000, async () => {
    const role = await nodeRole(sc.ports.redis);
    return role.role === 'replica' && role.masterAddr === f.newMaster && role.linkUp ? true : undefined;
  });
  const demotedMs = performance.now() - healAtMs;
  await s.waitForMaster(f.newMaster, 30_000);
  expect(await s.agentMasters()).toEqual([f.newMaster, f.newMaster, f.newMaster]);
  const other = s.nodes.find((n) => n.index !== 0 && n.address !== f.newMaster);
  if (other === undefined) throw new Error('no other replica');
  expect(await nodeRole(other.port)).toMatchObject({ role: 'replica', masterAddr: f.newMaster });
  console.log(
    `${sc.label}: after healing, the old master replicates ${f.newMaster} in ${Math.round(demotedMs)} ms ` +
      `(failsafe datagrams dropped during the isolation: ${rig.udp.map((r) => r.dropped()).join('/')})`,
  );
}

/** Every acknowledged write must be on the new master, except those the fence's absence explains. */
async function checkLosses(
  sc: IsolationScenario,
  writers: Writers,
  f: Failover,
  fenceMs: number | null,
  startedAtMs: number,
): Promise<void> {
  const insideAckedInPartition = writers.inside.acked.filter((w) => w.ackAtMs > f.isolateAtMs).length;
  const insideAckedAfterFailover = writers.inside.acked.filter((w) => w.ackAtMs > f.publishedAtMs).length;
  const outsideReport = await writers.outside.stop();
  const insideReport = await writers.inside.stop();
  const acked: AckedWrite[] = [...outsideReport.acked, ...insideReport.acked];
  const onMaster = await existingKeys(
    portOf(f.newMaster),
    acked.map((w) => w.key),
  );
  const lost = acked.filter((w) => !onMaster.has(w.key));
  const lagWindow = lost.filter(
    (w) => w.ackAtMs <= f.isolateAtMs && w.ackAtMs >= f.isolateAtMs - REPLICATION_LAG_WINDOW_MS,
  );
  const leaseWindow = lost.filter((w) => w.ackAtMs > f.isolateAtMs && w.ackAtMs < f.publishedAtMs);
  const afterFailover = lost.filter((w) => w.ackAtMs >= f.publishedAtMs);
  const unexplained = lost.filter((w) => w.ackAtMs < f.isolateAtMs - REPLICATION_LAG_WINDOW_MS);
  console.log(
    `${sc.label}: ${acked.length} writes acknowledged (${insideReport.acked.length} inside, ` +
      `${insideAckedInPartition} of them during the partition, ${insideAckedAfterFailover} after the failover), ` +
      `${lost.length} lost: ${lagWindow.length} within ${REPLICATION_LAG_WINDOW_MS} ms before the isolation, ` +
      `${leaseWindow.length} between the isolation and the failover, ${afterFailover.length} after the failover; ` +
      `fence ${fenceMs === null ? 'none' : `${Math.round(fenceMs)} ms`}, failover ${Math.round(f.publishedAtMs - f.isolateAtMs)} ms, ` +
      `scenario ${Math.round((performance.now() - startedAtMs) / 1000)} s`,
  );
  expect(unexplained.map((w) => w.key)).toEqual([]);
  if (fenceMs !== null) {
    // Nothing acknowledged after the fence (hence after the failover) is lost.
    expect(afterFailover.map((w) => w.key)).toEqual([]);
    expect(lost.filter((w) => w.ackAtMs > f.isolateAtMs + fenceMs).map((w) => w.key)).toEqual([]);
  } else {
    // The split brain fencing prevents: writes acknowledged by the old master after the failover
    // were wiped when it was demoted.
    expect(afterFailover.length).toBeGreaterThan(0);
  }
}
