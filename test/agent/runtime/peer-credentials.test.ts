// SENTINEL CONFIG SET sentinel-user / sentinel-pass on the peer links: every link drops and reconnects with the new credentials, as Sentinel does.
import { afterEach, describe, expect, it } from 'vitest';
import { peerView } from '../../../agent/core/sentinel-peers.js';
import { monotonicClock } from '../../../agent/runtime/clock.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { PeerSentinels } from '../../../agent/runtime/peer-sentinels.js';
import { realTimers } from '../../../agent/runtime/timers.js';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, sentinelNode, view } from '../sentinel/support/fake-source.js';
import { waitFor } from './harness.js';

const PEER_ID = 'b'.repeat(40);
const stops: (() => unknown)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** The other agent's Sentinel port: a server with a password, on a free port. */
async function peerServer(password: string): Promise<SentinelServer> {
  const source = new FakeSource({
    myId: PEER_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  const server = await startSentinelServer({ host: '127.0.0.1', port: 0, source, password });
  stops.push(() => server.close());
  return server;
}

function links(port: number, password: string): PeerSentinels {
  const peers = new PeerSentinels({
    agentId: 'agent-credentials-test',
    peers: [`127.0.0.1:${port}`],
    password,
    clock: monotonicClock,
    timers: realTimers,
    logger: silentLogger(),
  });
  stops.push(() => peers.stop());
  return peers;
}

const link = (peers: PeerSentinels) => {
  const [only] = peers.links();
  if (only === undefined) throw new Error('no link');
  return only;
};

describe('PeerSentinels credentials', () => {
  it('starts with this agent password, and a new one reconnects every link with it', async () => {
    const server = await peerServer('their-password');
    const peers = links(server.port, 'our-password');
    expect(peers.credentials()).toEqual({ password: 'our-password' });
    peers.start();
    // The peer's password differs: AUTH fails, so no PONG and no hello.
    await waitFor('SDOWN', 5000, () => peerView(link(peers), monotonicClock.nowMs(), 1000).sdown);
    expect(link(peers).helloHeard).toBe(false);

    peers.setCredentials({ username: 'default', password: 'their-password' });
    expect(peers.credentials()).toEqual({ username: 'default', password: 'their-password' });
    await waitFor('hello', 5000, () => link(peers).helloHeard);
    await waitFor('no longer SDOWN', 3000, () => !peerView(link(peers), monotonicClock.nowMs(), 1000).sdown);
    expect(link(peers)).toMatchObject({ id: PEER_ID, connected: true });

    // A link that works is dropped too, and a wrong password shows as the peer going away.
    peers.setCredentials({ password: 'wrong' });
    await waitFor('SDOWN again', 5000, () => peerView(link(peers), monotonicClock.nowMs(), 1000).sdown);
  });

  it('credentials set before start() are the ones the links connect with', async () => {
    const server = await peerServer('their-password');
    const peers = links(server.port, 'our-password');
    peers.setCredentials({ password: 'their-password' });
    peers.start();
    await waitFor('hello', 5000, () => link(peers).helloHeard);
  });
});
