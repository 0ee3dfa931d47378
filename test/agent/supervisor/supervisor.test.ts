// The dead-man supervisor on fakes: a scripted agent child, in-memory nodes behind the real FenceOwner, and a manual clock.
import { describe, expect, it } from 'vitest';
import { MAX_GROUPS } from '../../../agent/config/schema.js';
import type { Clock } from '../../../agent/runtime/clock.js';
import { FENCE_MIN_REPLICAS } from '../../../agent/runtime/fence.js';
import {
  ChannelFence,
  type ToAgent,
  type ToSupervisor,
  ToSupervisorSchema,
} from '../../../agent/runtime/fence-channel.js';
import { FenceOwner, type FenceTarget, type OwnedConnection } from '../../../agent/runtime/fence-owner.js';
import type { Cancel, Timers } from '../../../agent/runtime/timers.js';
import { type AgentChild, type ChildEvents, Supervisor } from '../../../agent/supervisor/supervisor.js';
import { capturingLogger } from '../runtime/harness.js';

/** Where the manual clock starts: any CLOCK_MONOTONIC reading will do. */
const T0 = 50_000;
const A = '127.0.0.1:7001';
const B = '127.0.0.1:7002';
const FENCE = String(FENCE_MIN_REPLICAS);

/** Lets the fences' promise chains run to completion (the fake nodes answer at once). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Scheduled {
  readonly id: number;
  atMs: number;
  readonly everyMs: number | null;
  readonly fn: () => void;
}

/** Timers and clock on virtual time: nothing runs until `advance`, which runs what falls due in time order. */
class ManualScheduler implements Timers, Clock {
  private now = T0;
  private nextId = 0;
  private readonly pending = new Map<number, Scheduled>();

  nowMs(): number {
    return this.now;
  }

  after(ms: number, fn: () => void): Cancel {
    return this.add(Math.max(0, ms), null, fn);
  }

  every(ms: number, fn: () => void): Cancel {
    const everyMs = Math.max(1, ms);
    return this.add(everyMs, everyMs, fn);
  }

  /** Moves time forward by `ms`, running each due timer at its own time and letting promises settle after it. */
  async advance(ms: number): Promise<void> {
    const endMs = this.now + ms;
    await settle();
    // Bounded: a timer that keeps re-arming at zero delay would otherwise spin forever.
    for (let step = 0; step < 100_000; step++) {
      const due = [...this.pending.values()]
        .filter((t) => t.atMs <= endMs)
        .sort((a, b) => a.atMs - b.atMs || a.id - b.id)[0];
      if (due === undefined) {
        this.now = endMs;
        await settle();
        return;
      }
      this.now = due.atMs;
      if (due.everyMs === null) this.pending.delete(due.id);
      else due.atMs += due.everyMs;
      due.fn();
      await settle();
    }
    throw new Error('the manual scheduler ran 100000 timers in one advance: a timer loop?');
  }

  private add(delayMs: number, everyMs: number | null, fn: () => void): Cancel {
    const id = this.nextId++;
    this.pending.set(id, { id, atMs: this.now + delayMs, everyMs, fn });
    return () => {
      this.pending.delete(id);
    };
  }
}

/** One local Redis node as a fence sees it: `min-replicas-to-write`, every CONFIG SET, reachable or not, its run id. */
class FakeNode {
  reachable = true;
  connects = 0;
  runId = 'a'.repeat(40);
  infoRefused = false;
  private onReady: () => void = () => {};

  constructor(
    readonly node: string,
    public minReplicasToWrite: number,
    private readonly clock: Clock,
    private readonly timeline: string[],
  ) {}

  connection(): OwnedConnection {
    this.connects++;
    const node = this;
    let started = false;
    return {
      get ready() {
        return started && node.reachable;
      },
      start: (onReady) => {
        started = true;
        this.onReady = onReady;
        if (this.reachable) onReady();
      },
      close: () => {
        started = false;
      },
      command: (name, args) => this.command(name, args),
    };
  }

  /** The node answers again: the connection reports ready, as ioredis does on reconnect. */
  comeBack(): void {
    this.reachable = true;
    this.onReady();
  }

  /** The process is replaced by another (a restart, maybe without its data): a new run id, reachable. */
  restart(runId: string): void {
    this.runId = runId;
    this.comeBack();
  }

  private async command(name: string, args: readonly (string | number)[]): Promise<unknown> {
    if (!this.reachable) throw new Error('connect ECONNREFUSED');
    if (name === 'INFO' && this.infoRefused)
      throw new Error("NOPERM this user has no permissions to run the 'info' command");
    if (name === 'INFO' && args[0] === 'server')
      return `# Server\r\nredis_version:7.0.15\r\nrun_id:${this.runId}\r\n`;
    if (name !== 'CONFIG' || args[1] !== 'min-replicas-to-write')
      throw new Error(`unexpected ${name} ${args.join(' ')}`);
    if (args[0] === 'GET') return ['min-replicas-to-write', String(this.minReplicasToWrite)];
    this.minReplicasToWrite = Number(args[2]);
    this.timeline.push(`+${this.clock.nowMs() - T0} ${this.node} min-replicas-to-write ${String(args[2])}`);
    return 'OK';
  }
}

/** The agent process as the supervisor sees it: messages it was sent, signals, and its two callbacks. */
interface FakeAgent extends AgentChild {
  readonly sent: ToAgent[];
  readonly signals: NodeJS.Signals[];
  readonly events: ChildEvents;
}

/** A supervisor with everything faked; `timeline` holds every CONFIG SET, spawn and exit with its time after T0. */
function rig(nodes: Readonly<Record<string, number>> = { [A]: 0, [B]: 0 }) {
  const scheduler = new ManualScheduler();
  const timeline: string[] = [];
  const { logger, lines } = capturingLogger('debug');
  const fakeNodes = new Map(
    Object.entries(nodes).map(([node, value]) => [node, new FakeNode(node, value, scheduler, timeline)]),
  );
  const agents: FakeAgent[] = [];
  const exits: number[] = [];
  const owner = new FenceOwner({
    clock: scheduler,
    timers: scheduler,
    logger,
    connect: (target: FenceTarget) => {
      const node = fakeNodes.get(target.node);
      if (node === undefined) throw new Error(`the test has no node ${target.node}`);
      return node.connection();
    },
  });
  const supervisor = new Supervisor({
    clock: scheduler,
    timers: scheduler,
    logger,
    owner,
    spawnAgent: (events) => {
      const agent: FakeAgent = {
        pid: 1000 + agents.length,
        sent: [],
        signals: [],
        events,
        send(message) {
          this.sent.push(message);
        },
        kill(signal) {
          this.signals.push(signal);
        },
      };
      agents.push(agent);
      timeline.push(`+${scheduler.nowMs() - T0} agent ${agent.pid} started`);
      return agent;
    },
    exit: (code) => {
      exits.push(code);
      timeline.push(`+${scheduler.nowMs() - T0} exit ${code}`);
    },
  });
  const current = (): FakeAgent => {
    const agent = agents.at(-1);
    if (agent === undefined) throw new Error('no agent was started');
    return agent;
  };
  return {
    scheduler,
    timeline,
    lines,
    agents,
    exits,
    supervisor,
    node: (id: string): FakeNode => {
      const node = fakeNodes.get(id);
      if (node === undefined) throw new Error(`the test has no node ${id}`);
      return node;
    },
    current,
    /** The current agent sends a message over its channel. */
    say: (raw: unknown) => current().events.onMessage(raw),
    targets: (...ids: string[]) =>
      current().events.onMessage({
        kind: 'targets',
        targets: ids.map((node) => ({ node, host: '127.0.0.1', port: Number(node.split(':')[1]) })),
      }),
    /** A deadline `inMs` after now on the shared clock (null: no fence). */
    fence: (node: string, inMs: number | null, runId?: string) =>
      current().events.onMessage({
        kind: 'fences',
        fences: [
          {
            node,
            writableUntilMs: inMs === null ? null : scheduler.nowMs() + inMs,
            ...(runId === undefined ? {} : { runId }),
          },
        ],
      }),
    /** The current agent process ends. */
    die: (code: number | null, signal: NodeJS.Signals | null = null) => {
      timeline.push(`+${scheduler.nowMs() - T0} agent ${current().pid} exited ${code ?? signal}`);
      current().events.onExit(code, signal);
    },
  };
}

const fences = (...list: Record<string, unknown>[]) => ({ kind: 'fences', fences: list });

describe('Supervisor: messages from the agent', () => {
  const target = { node: B, host: '127.0.0.1', port: 7002 };
  it.each([
    { what: 'not an object', raw: 'fence 127.0.0.1:7001 0' },
    { what: 'an unknown kind', raw: { kind: 'unfence', node: A } },
    { what: 'a negative deadline', raw: fences({ node: A, writableUntilMs: -5 }) },
    {
      what: 'an infinite deadline',
      raw: fences({ node: A, writableUntilMs: Number.POSITIVE_INFINITY }),
    },
    { what: 'a node that is no host:port', raw: fences({ node: 'db1', writableUntilMs: 0 }) },
    { what: 'an extra field', raw: fences({ node: A, writableUntilMs: 0, force: true }) },
    { what: 'no deadline at all', raw: { kind: 'fences', fences: [] } },
    { what: 'a target with a bad port', raw: { kind: 'targets', targets: [{ ...target, port: 0 }] } },
    { what: 'a target with an extra field', raw: { kind: 'targets', targets: [{ ...target, db: 1 }] } },
  ])('ignores a malformed message ($what) and logs it', async ({ raw }) => {
    const r = rig();
    r.supervisor.start();
    r.targets(A);
    r.fence(A, 1000);
    await r.scheduler.advance(10);
    const before = [...r.timeline];

    r.say(raw);
    await r.scheduler.advance(500);
    expect(r.timeline).toEqual(before);
    expect(r.node(B).connects).toBe(0);
    expect(r.lines.some((line) => line.includes('malformed message from the agent ignored'))).toBe(true);
    // The deadline it had stands: the fence lands at +1000 as before.
    await r.scheduler.advance(500);
    expect(r.timeline.at(-1)).toBe(`+1000 ${A} min-replicas-to-write ${FENCE}`);
  });

  it('takes the fence targets of an agent file with the most groups (one local node each), and refuses more', () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        node: `10.0.${i >> 8}.${i & 255}:6379`,
        host: '10.0.0.1',
        port: 6379,
      }));
    expect(ToSupervisorSchema.safeParse({ kind: 'targets', targets: many(MAX_GROUPS) }).success).toBe(true);
    expect(ToSupervisorSchema.safeParse({ kind: 'targets', targets: many(MAX_GROUPS + 1) }).success).toBe(
      false,
    );
  });

  it('ignores a deadline for a node the agent never declared', async () => {
    const r = rig();
    r.supervisor.start();
    r.fence(A, 1000);
    await r.scheduler.advance(2000);
    expect(r.node(A).connects).toBe(0);
    expect(r.lines.some((line) => line.includes('never configured'))).toBe(true);
  });

  it('applies targets and deadlines: unfenced until the deadline, fenced at it, restored by a later deadline', async () => {
    // The unfenced value is learned from the node (3 here) and restored on every unfence.
    const r = rig({ [A]: 3 });
    r.supervisor.start();
    r.targets(A);
    r.fence(A, 1000);
    await r.scheduler.advance(999);
    expect(r.timeline).toEqual(['+0 agent 1000 started', `+0 ${A} min-replicas-to-write 3`]);
    await r.scheduler.advance(1);
    expect(r.timeline.at(-1)).toBe(`+1000 ${A} min-replicas-to-write ${FENCE}`);
    expect(r.node(A).minReplicasToWrite).toBe(FENCE_MIN_REPLICAS);

    // A renewal arrives late: the node writes again until the new deadline, then is fenced again.
    await r.scheduler.advance(200);
    r.fence(A, 1000);
    await r.scheduler.advance(1000);
    expect(r.timeline.slice(2)).toEqual([
      `+1000 ${A} min-replicas-to-write ${FENCE}`,
      `+1200 ${A} min-replicas-to-write 3`,
      `+2200 ${A} min-replicas-to-write ${FENCE}`,
    ]);
    // Renewals before the deadline only move the timer: no CONFIG SET while nothing changes.
    r.fence(A, 500);
    await r.scheduler.advance(100);
    r.fence(A, 500);
    await r.scheduler.advance(100);
    r.fence(A, 500);
    await r.scheduler.advance(499);
    expect(r.timeline.slice(5)).toEqual([`+2200 ${A} min-replicas-to-write 3`]);
    await r.scheduler.advance(1);
    expect(r.timeline.slice(6)).toEqual([`+2900 ${A} min-replicas-to-write ${FENCE}`]);
  });

  it('takes one deadline per message too (an agent whose supervisor does not announce batches)', async () => {
    const r = rig({ [A]: 3 });
    r.supervisor.start();
    r.targets(A);
    r.say({ kind: 'fence', node: A, writableUntilMs: r.scheduler.nowMs() + 1000 });
    await r.scheduler.advance(1000);
    expect(r.timeline.slice(1)).toEqual([
      `+0 ${A} min-replicas-to-write 3`,
      `+1000 ${A} min-replicas-to-write ${FENCE}`,
    ]);
  });

  it('a restarted node (another run id) stays fenced until a deadline names its run id (DESIGN §1.8)', async () => {
    const r = rig({ [A]: 3 });
    r.supervisor.start();
    r.targets(A);
    const before = 'a'.repeat(40);
    r.fence(A, 5000, before);
    await r.scheduler.advance(100);
    expect(r.timeline.at(-1)).toBe(`+0 ${A} min-replicas-to-write 3`);
    // Killed and back at once, maybe empty: the lease was the old process's, so writes stay refused.
    r.node(A).reachable = false;
    r.node(A).restart('b'.repeat(40));
    await r.scheduler.advance(100);
    expect(r.timeline.at(-1)).toBe(`+100 ${A} min-replicas-to-write ${FENCE}`);
    expect(r.lines.some((line) => line.includes('a restart it has not read yet'))).toBe(true);
    // Renewals about the old process change nothing.
    r.fence(A, 5000, before);
    await r.scheduler.advance(100);
    expect(r.timeline.at(-1)).toBe(`+100 ${A} min-replicas-to-write ${FENCE}`);
    // The agent read the new process and judged its data kept: writable again.
    r.fence(A, 5000, 'b'.repeat(40));
    await r.scheduler.advance(10);
    expect(r.timeline.at(-1)).toBe(`+300 ${A} min-replicas-to-write 3`);
    // A deadline that names no process (an older agent) applies to whichever answers.
    r.node(A).reachable = false;
    r.node(A).restart('c'.repeat(40));
    r.fence(A, 5000);
    await r.scheduler.advance(10);
    expect(r.node(A).minReplicasToWrite).toBe(3);
  });

  it('a node that will not say its run id is not trusted with the lease: fenced until it does', async () => {
    const r = rig({ [A]: 3 });
    r.supervisor.start();
    r.node(A).infoRefused = true;
    r.targets(A);
    r.fence(A, 5000, 'a'.repeat(40));
    await r.scheduler.advance(100);
    expect(r.timeline.at(-1)).toBe(`+0 ${A} min-replicas-to-write ${FENCE}`);
    expect(r.lines.some((line) => line.includes("reading the node's run id (INFO server) failed"))).toBe(
      true,
    );
    r.node(A).infoRefused = false;
    await r.scheduler.advance(500);
    expect(r.timeline.at(-1)).toBe(`+500 ${A} min-replicas-to-write 3`);
  });

  it('reports every applied state to the agent', async () => {
    const r = rig();
    r.supervisor.start();
    r.targets(A, B);
    r.fence(A, 1000);
    r.fence(B, 0);
    await r.scheduler.advance(1000);
    expect(r.current().sent).toEqual([
      // The answer to `targets`: nothing enforced yet for a first agent.
      {
        kind: 'inherited',
        fences: [
          { node: A, applied: 'unknown' },
          { node: B, applied: 'unknown' },
        ],
      },
      { kind: 'applied', node: A, state: 'unfenced' },
      { kind: 'applied', node: B, state: 'fenced' },
      { kind: 'applied', node: A, state: 'fenced' },
    ]);
  });

  it('tells a restarted agent the deadlines it still enforces and what is applied, when it declares its targets', async () => {
    const r = rig();
    r.supervisor.start();
    r.targets(A, B);
    r.fence(A, 5000);
    r.fence(B, 0);
    await r.scheduler.advance(100);
    r.die(1);
    await r.scheduler.advance(1000);
    expect(r.agents).toHaveLength(2);
    r.targets(A, B);
    // The owner reports changes only, and B will not change: without this the new agent never
    // learns it; and A's deadline from the dead agent still stands, for the new one to take over.
    expect(r.current().sent).toEqual([
      {
        kind: 'inherited',
        fences: [
          { node: A, writableUntilMs: T0 + 5000, applied: 'unfenced' },
          { node: B, writableUntilMs: T0, applied: 'fenced' },
        ],
      },
    ]);
  });
});

describe('Supervisor: a dying agent', () => {
  it.each([
    { how: 'exit code 1', code: 1, signal: null },
    { how: 'SIGKILL', code: null, signal: 'SIGKILL' as const },
    { how: 'exit code 0 without a stop request', code: 0, signal: null },
  ])(
    'restarts the agent after $how, not before 500 ms, and its deadline still fences the node meanwhile',
    async ({ code, signal }) => {
      const r = rig();
      r.supervisor.start();
      r.targets(A);
      r.fence(A, 800);
      await r.scheduler.advance(100);
      r.die(code, signal);
      await r.scheduler.advance(499);
      expect(r.agents).toHaveLength(1);
      // Back-off with jitter: between 500 and 1000 ms for the first restart.
      await r.scheduler.advance(501);
      expect(r.agents).toHaveLength(2);
      expect(r.exits).toEqual([]);
      const started = r.timeline.findIndex((line) => line.endsWith('agent 1001 started'));
      const fenced = r.timeline.indexOf(`+800 ${A} min-replicas-to-write ${FENCE}`);
      // Fenced at the deadline, by the supervisor, with no agent alive (it may restart before or after +800).
      expect(fenced).toBeGreaterThan(0);
      const restartedAtMs = Number(r.timeline[started]?.split(' ')[0]);
      if (restartedAtMs > 800) expect(fenced).toBeLessThan(started);
      // The dead agent is told nothing more.
      expect(r.agents[0]?.sent).toEqual([
        { kind: 'inherited', fences: [{ node: A, applied: 'unknown' }] },
        { kind: 'applied', node: A, state: 'unfenced' },
      ]);
    },
  );

  it('backs off longer on each crash, and starts over after a minute of uptime', async () => {
    const r = rig();
    r.supervisor.start();
    const restartDelay = async (): Promise<number> => {
      const before = r.agents.length;
      const diedAtMs = r.scheduler.nowMs();
      r.die(1);
      for (let i = 0; i < 400 && r.agents.length === before; i++) await r.scheduler.advance(100);
      return r.scheduler.nowMs() - diedAtMs;
    };
    const first = await restartDelay();
    const second = await restartDelay();
    const third = await restartDelay();
    expect(first).toBeGreaterThanOrEqual(500);
    expect(first).toBeLessThanOrEqual(1000);
    expect(second).toBeGreaterThanOrEqual(1000);
    expect(second).toBeLessThanOrEqual(2000);
    expect(third).toBeGreaterThanOrEqual(2000);
    expect(third).toBeLessThanOrEqual(4000);
    await r.scheduler.advance(60_000);
    expect(await restartDelay()).toBeLessThanOrEqual(1000);
  });

  it('on exit code 2 (bad configuration) fences every node at once and exits 2, without a restart', async () => {
    const r = rig();
    r.supervisor.start();
    r.targets(A, B);
    r.fence(A, 5000);
    r.fence(B, 5000);
    await r.scheduler.advance(100);
    r.die(2);
    await r.scheduler.advance(100);
    expect(r.timeline.slice(3)).toEqual([
      '+100 agent 1000 exited 2',
      `+100 ${A} min-replicas-to-write ${FENCE}`,
      `+100 ${B} min-replicas-to-write ${FENCE}`,
      '+120 exit 2',
    ]);
    await r.scheduler.advance(60_000);
    expect(r.agents).toHaveLength(1);
    expect(r.exits).toEqual([2]);
  });
});

describe('Supervisor: stop', () => {
  it('asks the agent to stop, then exits 0 only once the last deadline passed and its fence is applied', async () => {
    const r = rig();
    r.supervisor.start();
    r.targets(A, B);
    r.fence(A, 700);
    r.fence(B, 1500);
    await r.scheduler.advance(100);
    r.supervisor.stop();
    expect(r.current().sent.at(-1)).toEqual({ kind: 'stop' });
    expect(r.current().signals).toEqual([]);
    await r.scheduler.advance(100);
    r.die(0);
    await r.scheduler.advance(5000);
    expect(r.timeline).toEqual([
      '+0 agent 1000 started',
      `+0 ${A} min-replicas-to-write 0`,
      `+0 ${B} min-replicas-to-write 0`,
      '+200 agent 1000 exited 0',
      `+700 ${A} min-replicas-to-write ${FENCE}`,
      `+1500 ${B} min-replicas-to-write ${FENCE}`,
      '+1500 exit 0',
    ]);
    expect(r.agents).toHaveLength(1);
  });

  it('waits for a node with a deadline even when another node has fencing off (deadline null)', async () => {
    const r = rig();
    r.supervisor.start();
    r.targets(A, B);
    r.fence(A, null);
    r.fence(B, 1000);
    await r.scheduler.advance(100);
    r.supervisor.stop();
    r.die(0);
    await r.scheduler.advance(2000);
    expect(r.timeline.slice(-2)).toEqual([`+1000 ${B} min-replicas-to-write ${FENCE}`, '+1000 exit 0']);
    expect(r.node(A).minReplicasToWrite).toBe(0);
  });

  it('a second stop fences every node at once and exits without waiting for the deadlines', async () => {
    const r = rig();
    r.supervisor.start();
    r.targets(A, B);
    r.fence(A, 5000);
    r.fence(B, 5000);
    await r.scheduler.advance(100);
    r.supervisor.stop();
    // The agent hangs and never exits.
    await r.scheduler.advance(400);
    expect(r.exits).toEqual([]);
    r.supervisor.stop();
    await r.scheduler.advance(100);
    expect(r.timeline.slice(3)).toEqual([
      `+500 ${A} min-replicas-to-write ${FENCE}`,
      `+500 ${B} min-replicas-to-write ${FENCE}`,
      '+520 exit 1',
    ]);
  });

  it('during a restart back-off: no restart, exit 0 once the dead agent’s deadline is applied', async () => {
    const r = rig();
    r.supervisor.start();
    r.targets(A);
    r.fence(A, 2000);
    await r.scheduler.advance(100);
    r.die(null, 'SIGKILL');
    await r.scheduler.advance(100);
    r.supervisor.stop();
    await r.scheduler.advance(60_000);
    expect(r.agents).toHaveLength(1);
    expect(r.timeline.slice(-2)).toEqual([`+2000 ${A} min-replicas-to-write ${FENCE}`, '+2000 exit 0']);
  });

  it('gives up 3 s after the deadline when the fence cannot be applied, and exits 1', async () => {
    const r = rig();
    r.supervisor.start();
    r.targets(A);
    r.fence(A, 1000);
    await r.scheduler.advance(100);
    r.node(A).reachable = false;
    r.supervisor.stop();
    r.die(0);
    await r.scheduler.advance(3899);
    expect(r.exits).toEqual([]);
    await r.scheduler.advance(100);
    expect(r.exits).toEqual([1]);
    expect(r.timeline.at(-1)).toMatch(/^\+40\d\d exit 1$/);
    expect(r.lines.some((line) => line.includes('a fence could not be applied before exiting'))).toBe(true);
  });

  it('a node that comes back before the grace ends is fenced, and the exit is 0', async () => {
    const r = rig();
    r.supervisor.start();
    r.targets(A);
    r.fence(A, 1000);
    await r.scheduler.advance(100);
    r.node(A).reachable = false;
    r.supervisor.stop();
    r.die(0);
    await r.scheduler.advance(1850);
    r.node(A).comeBack();
    await r.scheduler.advance(100);
    // The settle loop checks every 20 ms from the agent's exit at +100.
    expect(r.timeline.slice(-2)).toEqual([`+1950 ${A} min-replicas-to-write ${FENCE}`, '+1960 exit 0']);
  });
});

describe("ChannelFence: the agent's side of the channel", () => {
  function channel(batches: boolean) {
    const scheduler = new ManualScheduler();
    const sent: ToSupervisor[] = [];
    const fence = new ChannelFence((message) => sent.push(message), scheduler, scheduler, batches);
    return { scheduler, sent, fence };
  }
  const target = { node: A, host: '127.0.0.1', port: 7001 };

  it('sends the deadlines of one turn as one message, the newest per node, in the order first set', async () => {
    const { scheduler, sent, fence } = channel(true);
    fence.set(A, T0 + 1000, 'run-a');
    fence.set(B, T0 + 900, null);
    fence.set(A, T0 + 1100, 'run-a');
    // The agent's own view changes at once; the message goes when the turn is over.
    expect(fence.fencedNow(A)).toBe(false);
    expect(sent).toEqual([]);
    await scheduler.advance(0);
    expect(sent).toEqual([
      {
        kind: 'fences',
        fences: [
          { node: A, writableUntilMs: T0 + 1100, runId: 'run-a' },
          { node: B, writableUntilMs: T0 + 900, runId: null },
        ],
      },
    ]);
    expect(sent.every((m) => ToSupervisorSchema.safeParse(m).success)).toBe(true);
    await scheduler.advance(100);
    expect(sent).toHaveLength(1);
  });

  it('sends what is pending before targets, a retarget, and when it closes', async () => {
    const { scheduler, sent, fence } = channel(true);
    fence.set(A, T0 + 1000, null);
    fence.retarget(target);
    fence.set(A, null, null);
    void fence.configure([target]);
    fence.set(A, T0 + 50, null);
    fence.close();
    expect(sent.map((m) => m.kind)).toEqual(['fences', 'retarget', 'fences', 'targets', 'fences']);
    await scheduler.advance(0);
    expect(sent).toHaveLength(5);
  });

  it('without batches, one fence message per deadline, at once', () => {
    const { sent, fence } = channel(false);
    fence.set(A, T0 + 1000, null);
    fence.set(A, T0 + 1100, null);
    expect(sent).toEqual([
      { kind: 'fence', node: A, writableUntilMs: T0 + 1000, runId: null },
      { kind: 'fence', node: A, writableUntilMs: T0 + 1100, runId: null },
    ]);
  });
});
