// PeerSentinels over real Sentinel servers on loopback: a peer's id and groups from its hello, PONGs, a wrong password, a peer that goes away.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PeerLink, peerView } from '../../../agent/core/sentinel-peers.js';
import { monotonicClock } from '../../../agent/runtime/clock.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { PeerSentinels, sentinelId } from '../../../agent/runtime/peer-sentinels.js';
import { realTimers } from '../../../agent/runtime/timers.js';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, sentinelNode, view } from '../sentinel/support/fake-source.js';
import { takeRunLock } from '../sentinel/support/run-lock.js';
import { waitFor } from './harness.js';

const PEER_ID = 'a'.repeat(40);
const stops: (() => unknown)[] = [];

// This file's port is fixed: concurrent runs of it (other sessions) take turns.
let releaseLock: (() => void) | null = null;
beforeAll(async () => {
  releaseLock = await takeRunLock('peer-sentinels-test', 120_000);
}, 130_000);
afterAll(() => releaseLock?.());

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A Sentinel server on 8906 (this file's port) serving group `mymaster`, optionally with a password. */
async function peerServer(password?: string): Promise<SentinelServer> {
  const source = new FakeSource({
    myId: PEER_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  const server = await startSentinelServer({
    host: '127.0.0.1',
    port: 8906,
    source,
    ...(password === undefined ? {} : { password }),
  });
  stops.push(() => server.close());
  return server;
}

function links(password?: string): PeerSentinels {
  const peers = new PeerSentinels({
    agentId: 'agent-test',
    peers: ['127.0.0.1:8906'],
    ...(password === undefined ? {} : { password }),
    clock: monotonicClock,
    timers: realTimers,
    logger: silentLogger(),
  });
  stops.push(() => peers.stop());
  peers.start();
  return peers;
}

const only = (peers: PeerSentinels): PeerLink => {
  const [link] = peers.links();
  if (link === undefined) throw new Error('no link');
  return link;
};

describe('PeerSentinels', () => {
  it("learns the peer's id and groups from its hello, and keeps it answering", async () => {
    await peerServer('s3cret');
    const peers = links('s3cret');
    expect(only(peers).id).toBe(sentinelId('127.0.0.1:8906'));
    await waitFor('hello', 3000, () => only(peers).helloHeard);
    expect(only(peers)).toMatchObject({ id: PEER_ID, groups: ['mymaster'], connected: true });
    await new Promise((r) => setTimeout(r, 1200));
    const seen = peerView(only(peers), monotonicClock.nowMs(), 1000);
    expect(seen).toMatchObject({ sdown: false, disconnected: false });
    expect(seen.lastOkPingReplyMsAgo).toBeLessThan(1000);
  });

  it('a wrong password: never a PONG nor a hello, so the peer goes SDOWN (ioredis drops a link whose AUTH fails)', async () => {
    await peerServer('s3cret');
    const peers = links('wrong');
    await waitFor('SDOWN', 5000, () => peerView(only(peers), monotonicClock.nowMs(), 1000).sdown);
    expect(peerView(only(peers), monotonicClock.nowMs(), 1000).lastOkPingReplyMsAgo).toBeGreaterThan(1000);
    expect(only(peers).helloHeard).toBe(false);
  });

  it('a peer that goes away is disconnected, then SDOWN after down-after', async () => {
    const server = await peerServer();
    const peers = links();
    await waitFor('hello', 3000, () => only(peers).helloHeard);
    await server.close();
    await waitFor('disconnected', 3000, () => !only(peers).connected);
    const closedAt = monotonicClock.nowMs();
    await waitFor('SDOWN', 5000, () => peerView(only(peers), monotonicClock.nowMs(), 1000).sdown);
    expect(monotonicClock.nowMs() - closedAt).toBeGreaterThanOrEqual(900);
  });
});
