// Webhooks retried through the alarm until a 2xx with valid signatures; the Upstash sink on a real redis-server.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { NODES, waitUntil } from './fake-agent.workers.js';
import { rpcValue } from './rpc-value.js';

/** What the receiver (webhook-receiver.ts, in Node) recorded per request. */
interface ReceivedHook {
  readonly status: number;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
  readonly atMs: number;
}

const testEnv = env;
const [N1, N2, N3] = NODES as [string, string, string];
const stubOf = (group: string) => env.VOTER.get(env.VOTER.idFromName(`${group}#0`));
const encoder = new TextEncoder();

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(text));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function upstash(command: (string | number)[]): Promise<unknown> {
  const response = await fetch(testEnv.TEST_UPSTASH_URL, {
    method: 'POST',
    headers: { authorization: `Bearer ${String(testEnv.UPSTASH_TEST_TOKEN)}` },
    body: JSON.stringify(command),
  });
  return ((await response.json()) as { result: unknown }).result;
}

describe('webhooks', () => {
  it('are retried with back-off through the alarm until a 2xx, with one stable id and valid signatures', async () => {
    const group = 'vt-hooks';
    const stub = stubOf(group);
    await rpcValue(stub.admin({ group, index: 0 }, { kind: 'pause' }));
    const log = async () => {
      const response = await fetch(`${testEnv.TEST_WEBHOOK_RECEIVER_URL}/_log?path=/hooks/flaky-2`);
      return (await response.json()) as ReceivedHook[];
    };
    // The receiver fails twice: attempts at t, t+1 s, t+3 s; only the third gets a 200.
    const received = await waitUntil('a delivered webhook', async () => {
      const all = await log();
      return all.some((r) => r.status === 200) ? all : undefined;
    });
    expect(received.map((r) => r.status)).toEqual([500, 500, 200]);
    const gaps = received.slice(1).map((r, k) => r.atMs - (received[k]?.atMs ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1900);
    const ids = new Set<string>();
    for (const hook of received) {
      const expected = await hmacHex(String(testEnv.WEBHOOK_TEST_SECRET), `${hook.timestamp}.${hook.body}`);
      expect(hook.signature).toBe(`sha256=${expected}`);
      expect(Math.abs(Number(hook.timestamp) - hook.atMs / 1000)).toBeLessThan(5);
      const body = JSON.parse(hook.body) as {
        id: string;
        group: string;
        voter: number;
        event: { name: string };
      };
      expect(body).toMatchObject({ group, voter: 0, event: { name: '+paused' } });
      ids.add(body.id);
    }
    expect([...ids]).toEqual([`${group}#0:1`]);
    // Delivered: nothing pending, so no alarm either.
    await waitUntil('the outbox to empty', () =>
      runInDurableObject(stub, (_, state) => {
        const n = state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM webhook_outbox').one().n;
        return n === 0 || undefined;
      }),
    );
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
    const status = await rpcValue(stub.status({ group, index: 0 }));
    expect(status.counters).toMatchObject({ webhookAttempts: 3, webhookFailures: 2 });
  });
});

describe('the Upstash sink', () => {
  it('mirrors the published master (compare-and-set on the epoch) and appends events to a capped stream', async () => {
    const group = 'vt-upstash';
    const me = { group, index: 0 };
    const key = `edge-sentinel:${group}:master`;
    const stream = `edge-sentinel:${group}:events`;
    await rpcValue(
      stubOf(group).learn(me, {
        epoch: 3,
        master: N2,
        state: 'active',
        previousMaster: N1,
        cause: 'failover',
        leader: 0,
      }),
    );
    const mirrored = await waitUntil('the master key', async () => {
      const value = await upstash(['GET', key]);
      return typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : undefined;
    });
    expect(mirrored).toMatchObject({ group, host: '10.0.0.2', port: 6379, epoch: 3 });
    expect(mirrored.since).toBeNull();
    const entries = await waitUntil('the event stream', async () => {
      const value = (await upstash(['XRANGE', stream, '-', '+'])) as [string, string[]][];
      return value.length >= 2 ? value : undefined;
    });
    const names = entries.map(([, fields]) => fields[fields.indexOf('name') + 1]);
    expect(names).toEqual(['+config', '+switch-master']);
    const commands = (await (await fetch(`${testEnv.TEST_UPSTASH_URL}/_log`)).json()) as unknown[][];
    const xadd = commands.find((c) => String(c[0]).toUpperCase() === 'XADD' && c[1] === stream);
    expect(xadd?.slice(2, 5).map(String)).toEqual(['MAXLEN', '~', '10']);

    // Someone mirrored a newer epoch already: a voter learning epoch 4 must not move it back.
    await upstash(['SET', key, JSON.stringify({ ...mirrored, epoch: 9, host: '10.0.0.3' })]);
    await rpcValue(
      stubOf(group).learn(me, {
        epoch: 4,
        master: N3,
        state: 'active',
        previousMaster: N2,
        cause: 'failover',
        leader: 0,
      }),
    );
    await waitUntil('the epoch 4 events', async () => {
      const value = (await upstash(['XLEN', stream])) as number;
      return value >= 4 || undefined;
    });
    expect(JSON.parse(String(await upstash(['GET', key])))).toMatchObject({ epoch: 9 });
    const status = await rpcValue(stubOf(group).status(me));
    expect(status.counters).toMatchObject({ sinkCalls: 2, sinkFailures: 0 });
  });

  it('an unreachable sink is logged and counted, and never breaks the voter', async () => {
    const group = 'vt-upstash-down';
    const me = { group, index: 0 };
    const learned = await rpcValue(
      stubOf(group).learn(me, {
        epoch: 1,
        master: N2,
        state: 'active',
        previousMaster: N1,
        cause: 'manual',
        leader: 0,
      }),
    );
    expect(learned.config.epoch).toBe(1);
    const status = await waitUntil('a counted failure', async () => {
      const s = await rpcValue(stubOf(group).status(me));
      return (s.counters.sinkFailures ?? 0) > 0 ? s : undefined;
    });
    expect(status.durable.published.master).toBe(N2);
  });
});
