// VoterSocket liveness: a socket silent (no pong, no frame) for three ping periods is closed.

import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { monotonicClock } from '../../../agent/runtime/clock.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { VoterSocket } from '../../../agent/runtime/voter-socket.js';
import { LEASE_PONG } from '../../../workers/protocol/index.js';

// Long enough that a busy CI machine (other test files run in parallel) does not stall past 3 periods.
const PERIOD_MS = 200;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A ws server on an ephemeral loopback port; `autoPong: false` plays a voter that went silent. */
async function setup(autoPong: boolean, talk = false) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const seen = { pings: 0, serverCloseCode: 0 };
  wss.on('connection', (ws) => {
    ws.on('ping', () => seen.pings++);
    ws.on('close', (code) => (seen.serverCloseCode = code));
    if (talk) {
      const timer = setInterval(() => ws.send(LEASE_PONG), PERIOD_MS / 2);
      ws.on('close', () => clearInterval(timer));
    }
  });
  const times = { openedAt: 0, closedAt: 0 };
  const socket = new VoterSocket({
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    token: 't',
    agentId: 'agent-1',
    voter: 0,
    clock: monotonicClock,
    logger: silentLogger(),
    reconnect: { initialMs: 60_000, maxMs: 60_000 }, // no reconnect during the test
    livenessIntervalMs: PERIOD_MS,
    onOpen: () => (times.openedAt = monotonicClock.nowMs()),
    onClose: () => (times.closedAt = monotonicClock.nowMs()),
    onMessage: () => {},
    onLeasePong: () => {},
    onBadFrame: () => {},
    onAuthFailure: () => {},
    onDropped: () => {},
  });
  cleanups.push(() => socket.close());
  socket.start();
  await waitFor('voter link open', 3000, () => socket.status === 'open');
  return { socket, seen, times };
}

describe('voter socket liveness', () => {
  it('closes a socket that answers no ping for three periods', async () => {
    const { socket, seen, times } = await setup(false);
    await waitFor('liveness close', 3000, () => times.closedAt > 0);
    const openFor = times.closedAt - times.openedAt;
    expect(openFor).toBeGreaterThanOrEqual(3 * PERIOD_MS);
    expect(openFor).toBeLessThan(3 * PERIOD_MS + 1000);
    expect(seen.pings).toBeGreaterThanOrEqual(2); // it pinged before giving up
    expect(socket.status).toBe('waiting'); // then waits to reconnect
    await waitFor('server sees the close', 3000, () => seen.serverCloseCode !== 0);
    expect(seen.serverCloseCode).toBe(1006); // terminated, not a close handshake
  });

  it('keeps a socket whose pings are answered', async () => {
    const { socket, seen, times } = await setup(true);
    await sleep(12 * PERIOD_MS);
    expect(times.closedAt).toBe(0);
    expect(socket.status).toBe('open');
    expect(seen.pings).toBeGreaterThanOrEqual(6);
  });

  it('counts any frame from the voter as a sign of life', async () => {
    const { socket, times } = await setup(false, true);
    await sleep(12 * PERIOD_MS);
    expect(times.closedAt).toBe(0);
    expect(socket.status).toBe('open');
  });
});
