// A saturated Sentinel port (hundreds of clients, each with a thousand patterns matching every
// event) must not delay the agent's own work: the probe verdict on a killed node and its report to
// the voters keep their timing, the voter links stay up, and the event loop is never held for long
// while the events are fanned out (issue 14: patterns once stalled an agent for seconds).
import { createConnection, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startAgent } from '../../../agent/runtime/agent.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { encodeCommand } from '../sentinel/support/raw-client.js';
import { FakeVoters } from './fake-voters.js';
import {
  cleanupStack,
  client,
  node,
  removeDir,
  role,
  tempStateDir,
  testConfig,
  waitFor,
  waitReplicaOnline,
  waitUnfenced,
} from './harness.js';

const cleanups = cleanupStack();

const LOCAL = 7415;
const OTHER = 7416;
const SENTINEL_PORT = 7417;
const DOWN_AFTER_MS = 500;
const CLIENTS = 300;
const PATTERNS_PER_CLIENT = 1024;

/** 1024 distinct patterns that each match any event name (`[^ab]*`: the first character is neither). */
function everythingPatterns(): string[] {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const patterns: string[] = [];
  for (const a of chars) for (const b of chars) patterns.push(`[^${a}${b}]*`);
  return patterns.slice(0, PATTERNS_PER_CLIENT);
}

interface Subscriber {
  readonly socket: Socket;
  bytes: number;
}

async function subscriber(patterns: readonly string[]): Promise<Subscriber> {
  const socket = createConnection({ host: '127.0.0.1', port: SENTINEL_PORT });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const sub: Subscriber = { socket, bytes: 0 };
  // Reads and drops everything: a client that keeps up, so only the agent's own cost is measured.
  socket.on('data', (chunk: Buffer) => {
    sub.bytes += chunk.length;
  });
  socket.write(encodeCommand(['PSUBSCRIBE', ...patterns]));
  return sub;
}

/** An agent for a master and a replica, its Sentinel port saturated by `clients` subscribers of every event. */
async function saturatedAgent(clients = CLIENTS) {
  const local = await startRedis({ port: LOCAL });
  cleanups.push(() => local.stop());
  const other = await startRedis({ port: OTHER, replicaOf: `127.0.0.1 ${LOCAL}` });
  cleanups.push(() => other.stop());
  const v = await FakeVoters.start('saturated');
  cleanups.push(() => v.close());
  v.push(initialConfig(node(LOCAL)));
  const stateDir = tempStateDir();
  cleanups.push(() => removeDir(stateDir));
  const config = await testConfig({
    voters: v,
    localPort: LOCAL,
    otherPorts: [OTHER],
    stateDir,
    group: { downAfterMs: DOWN_AFTER_MS },
  });
  const agent = await startAgent(
    {
      ...config,
      sentinel: { host: '127.0.0.1', port: SENTINEL_PORT, enabled: true, adminWithoutPassword: false },
    },
    {
      logger: pino({ level: 'silent' }),
      defaultMetrics: false,
      onFatal: (error) => {
        throw error;
      },
    },
  );
  cleanups.push(() => agent.stop());
  await waitUnfenced(agent, LOCAL);

  const patterns = everythingPatterns();
  const subscribers: Subscriber[] = [];
  cleanups.push(() => {
    for (const s of subscribers) s.socket.destroy();
  });
  for (let i = 0; i < clients; i++) subscribers.push(await subscriber(patterns));
  const info = client(SENTINEL_PORT);
  cleanups.push(() => info.disconnect());
  await waitFor('every client subscribed', 20_000, async () => {
    const stats = (await info.call('INFO', 'stats')) as string;
    return Number(/total_commands_processed:(\d+)/.exec(stats)?.[1]) >= clients;
  });
  return { agent, v, other, subscribers };
}

describe('a saturated Sentinel port', () => {
  it('does not delay the probe verdict, its report to the voters or the voter links', async () => {
    const { v, other, subscribers } = await saturatedAgent();
    const votersBefore = v.connected();

    const delay = monitorEventLoopDelay({ resolution: 5 });
    const bytesBefore = subscribers.map((s) => s.bytes);
    delay.enable();
    const killedAt = performance.now();
    await other.kill();
    await waitFor('+sdown reported to the voters', 5000, () =>
      v
        .messages('observation')
        .some(
          (m) => m.kind === 'observation' && m.views.some((view) => view.node === node(OTHER) && view.sdown),
        ),
    );
    const reportedMs = performance.now() - killedAt;
    // Every subscriber gets the +sdown event once per pattern: the fan-out really happened.
    await waitFor('the +sdown event delivered to every subscriber', 30_000, () =>
      subscribers.every((s, i) => s.bytes - (bytesBefore[i] ?? 0) >= PATTERNS_PER_CLIENT * 40),
    );
    delay.disable();
    const maxStallMs = delay.max / 1e6;
    console.log(
      `saturated Sentinel port (${CLIENTS} clients x ${PATTERNS_PER_CLIENT} patterns): +sdown reported ${reportedMs.toFixed(0)} ms after the kill (down-after ${DOWN_AFTER_MS} ms); longest event-loop stall ${maxStallMs.toFixed(1)} ms`,
    );

    // The same bound as the unsaturated probing test: down-after plus one probe interval and slack.
    expect(reportedMs).toBeLessThan(DOWN_AFTER_MS + 400);
    // Generous: a fan-out without slices held the loop for seconds here (one write per frame),
    // and for over 150 ms with one write per client.
    expect(maxStallMs).toBeLessThan(150);
    expect(v.connected()).toEqual(votersBefore);
  });

  /** A hand-off from the agent's node to the other; its duration (until reported) and the longest stall. */
  async function handOff(clients: number): Promise<{ tookMs: number; maxStallMs: number }> {
    const { v } = await saturatedAgent(clients);
    await waitReplicaOnline(LOCAL, OTHER);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const startedAt = performance.now();
    v.push({
      epoch: 1,
      master: node(OTHER),
      state: 'handoff',
      previousMaster: node(LOCAL),
      cause: 'switchover',
      leader: 0,
    });
    await waitFor('hand-off done', 10_000, async () => (await role(LOCAL)) === `slave of 127.0.0.1:${OTHER}`);
    const result = await waitFor('the hand-off result', 5000, () =>
      v.messages('command-result').find((m) => m.kind === 'command-result' && m.action === 'handoff'),
    );
    const tookMs = performance.now() - startedAt;
    delay.disable();
    expect(result).toMatchObject({ ok: true });
    expect(await role(OTHER)).toBe('master');
    return { tookMs, maxStallMs: delay.max / 1e6 };
  }

  it('does not delay a hand-off: FAILOVER TO completes and is reported as fast as without subscribers', async () => {
    const quiet = await handOff(0);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    const saturated = await handOff(CLIENTS);
    console.log(
      `hand-off done and reported: ${quiet.tookMs.toFixed(0)} ms without subscribers, ${saturated.tookMs.toFixed(0)} ms with ${CLIENTS} clients x ${PATTERNS_PER_CLIENT} patterns; longest event-loop stall ${quiet.maxStallMs.toFixed(1)} / ${saturated.maxStallMs.toFixed(1)} ms`,
    );
    // Generous: a hand-off takes well under a second either way; a stalled fan-out added seconds.
    expect(saturated.tookMs).toBeLessThan(quiet.tookMs + 1000);
    expect(saturated.maxStallMs).toBeLessThan(150);
  });

  it('keeps memory bounded by the subscription budgets with every client at its maximum', async () => {
    const before = process.memoryUsage();
    const { subscribers } = await saturatedAgent(0);
    // 128 clients with 64 KiB of patterns each: the agent's whole 8 MiB budget.
    const big = Array.from({ length: 64 }, (_, i) => `*${String(i).padStart(2, '0')}${'b'.repeat(1020)}`);
    for (let i = 0; i < 128; i++) subscribers.push(await subscriber(big));
    const refused = await subscriber(big);
    subscribers.push(refused);
    let reply = '';
    refused.socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
    });
    await waitFor('the 129th client refused', 10_000, () =>
      reply.includes("this agent's subscriptions would exceed"),
    );
    const after = process.memoryUsage();
    const rssMb = (after.rss - before.rss) / 1048576;
    const heapMb = (after.heapUsed - before.heapUsed) / 1048576;
    console.log(
      `maximal subscriptions (128 clients x 64 one-KiB patterns, 8 MiB budget): RSS +${rssMb.toFixed(1)} MB, heap +${heapMb.toFixed(1)} MB (agent, nodes and clients in this process)`,
    );
    // The budget bounds what clients can make the agent hold: a few times the 8 MiB of names.
    expect(heapMb).toBeLessThan(64);
  });
});
