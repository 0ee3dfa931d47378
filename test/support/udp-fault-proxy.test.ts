// The UDP fault proxy on loopback: pass, blackhole, restore, delay with order kept, drop counting and its bound.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startUdpFaultProxy, type UdpFaultProxy } from './udp-fault-proxy.js';

const HOST = '127.0.0.1';

interface Arrival {
  readonly text: string;
  readonly atMs: number;
}

let target: Socket;
let sender: Socket;
let arrivals: Arrival[];
const proxies: UdpFaultProxy[] = [];

async function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  return socket;
}

beforeEach(async () => {
  arrivals = [];
  target = await bound();
  target.on('message', (bytes) => arrivals.push({ text: bytes.toString('utf8'), atMs: performance.now() }));
  sender = await bound();
});

afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
  for (const socket of [target, sender]) await new Promise<void>((done) => socket.close(() => done()));
});

async function proxy(random?: () => number): Promise<UdpFaultProxy> {
  const p = await startUdpFaultProxy(
    { host: HOST, port: target.address().port },
    0,
    random === undefined ? {} : { random },
  );
  proxies.push(p);
  return p;
}

function send(p: UdpFaultProxy, text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    sender.send(Buffer.from(text, 'utf8'), p.port, HOST, (e) => (e ? reject(e) : resolve())),
  );
}

function texts(): string[] {
  return arrivals.map((a) => a.text);
}

/** Waits until the proxy has dealt with `count` datagrams (forwarded or dropped) and the target heard the forwarded. */
async function settled(p: UdpFaultProxy, count: number): Promise<void> {
  await vi.waitFor(
    () => {
      expect(p.forwarded() + p.dropped()).toBe(count);
      expect(arrivals.length).toBe(p.forwarded());
    },
    { timeout: 5_000, interval: 5 },
  );
}

/** A completed send is not yet received (both ends share this event loop): wait until the proxy holds them. */
async function inFlight(p: UdpFaultProxy, count: number): Promise<void> {
  await vi.waitFor(() => expect(p.inFlight()).toBe(count), { timeout: 5_000, interval: 1 });
}

describe('UDP fault proxy on loopback', () => {
  it('passes datagrams, drops them all in a blackhole, and passes again on restore', async () => {
    const p = await proxy();
    expect(p.mode()).toBe('pass');
    await send(p, 'one');
    await settled(p, 1);
    p.blackhole();
    expect(p.mode()).toBe('blackhole');
    await send(p, 'lost-1');
    await send(p, 'lost-2');
    await settled(p, 3);
    p.restore();
    await send(p, 'two');
    await settled(p, 4);
    expect(texts()).toEqual(['one', 'two']);
    expect({ forwarded: p.forwarded(), dropped: p.dropped() }).toEqual({ forwarded: 2, dropped: 2 });
  });

  it('delays datagrams and keeps their order, even when the delay is shortened in between', async () => {
    const p = await proxy();
    p.delay(150);
    const sentAtMs = performance.now();
    await send(p, 'a');
    await send(p, 'b');
    await inFlight(p, 2);
    p.delay(0);
    await send(p, 'c');
    await settled(p, 3);
    expect(texts()).toEqual(['a', 'b', 'c']);
    // Timers may fire a millisecond early relative to this clock; the delay is what matters.
    for (const arrival of arrivals) expect(arrival.atMs - sentAtMs).toBeGreaterThanOrEqual(140);
    expect(p.inFlight()).toBe(0);
  });

  it('drops delayed datagrams still in flight when the link is blackholed', async () => {
    const p = await proxy();
    p.delay(100);
    await send(p, 'late');
    await inFlight(p, 1);
    p.blackhole();
    await settled(p, 1);
    expect({ forwarded: p.forwarded(), dropped: p.dropped() }).toEqual({ forwarded: 0, dropped: 1 });
  });

  it('drops by ratio with the injected random, and counts every drop', async () => {
    // Alternates 0.1 and 0.9: under dropRatio(0.5), every other datagram is dropped.
    let draws = 0;
    const p = await proxy(() => (draws++ % 2 === 0 ? 0.1 : 0.9));
    p.dropRatio(0.5);
    for (let i = 0; i < 10; i++) await send(p, `d${i}`);
    await settled(p, 10);
    expect(texts()).toEqual(['d1', 'd3', 'd5', 'd7', 'd9']);
    expect({ forwarded: p.forwarded(), dropped: p.dropped() }).toEqual({ forwarded: 5, dropped: 5 });
    p.dropRatio(0);
    await send(p, 'kept');
    await settled(p, 11);
    expect(texts().at(-1)).toBe('kept');
  });

  it('bounds the delayed datagrams in flight: beyond 1024 they are dropped, and close drops the rest', async () => {
    const p = await proxy();
    p.delay(60_000);
    const total = 1100;
    for (let i = 0; i < total; i++) {
      await send(p, `q${i}`);
      // Sends complete without reading input: yield now and then so the proxy keeps up and the
      // kernel's buffer does not overflow (the proxy, not the kernel, must do the dropping).
      if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
    await vi.waitFor(() => expect(p.inFlight() + p.dropped()).toBe(total), { timeout: 5_000, interval: 5 });
    expect(p.inFlight()).toBe(1024);
    expect(p.dropped()).toBe(total - 1024);
    await p.close();
    expect(p.dropped()).toBe(total);
    expect(p.inFlight()).toBe(0);
    expect(arrivals).toEqual([]);
  });
});
