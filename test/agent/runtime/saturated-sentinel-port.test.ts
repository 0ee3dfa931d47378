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

/** An agent for a master and a replica, its Sentinel port saturated by subscribers of every event. */
async function saturatedAgent() {
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
  for (let i = 0; i < CLIENTS; i++) subscribers.push(await subscriber(patterns));
  const info = client(SENTINEL_PORT);
  cleanups.push(() => info.disconnect());
  await waitFor('every client subscribed', 20_000, async () => {
    const stats = (await info.call('INFO', 'stats')) as string;
    return Number(/total_commands_processed:(\d+)/.exec(stats)?.[1]) >= CLIENTS;
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

  it('does not delay a hand-off: FAILOVER TO completes and is reported', async () => {
    const { v } = await saturatedAgent();
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
    const maxStallMs = delay.max / 1e6;
    console.log(
      `saturated Sentinel port: hand-off done and reported in ${tookMs.toFixed(0)} ms; longest event-loop stall ${maxStallMs.toFixed(1)} ms`,
    );
    expect(result).toMatchObject({ ok: true });
    expect(await role(OTHER)).toBe('master');
    // Generous (it takes a few hundred ms unsaturated); the stall bound is what a slow fan-out breaks.
    expect(tookMs).toBeLessThan(5000);
    expect(maxStallMs).toBeLessThan(150);
  });
});
