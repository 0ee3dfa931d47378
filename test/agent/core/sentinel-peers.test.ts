// The peers' SDOWN rule, instance-map ages and the listing per group (before and after RESET), as tables.
import { describe, expect, it } from 'vitest';
import {
  createPeerLink,
  type PeerLink,
  peerConnected,
  peerEvents,
  peerHello,
  peerPingReplied,
  peerPingSent,
  peersOfGroup,
  peerView,
} from '../../../agent/core/sentinel-peers.js';

const ID_B = 'b'.repeat(40);
const ID_ME = 'e'.repeat(40);
const DOWN_AFTER_MS = 1000;

/** A peer linked at 0, answering PING at 100 and a hello at 150. */
function healthy(endpoint = '10.0.0.2:26379', id = ID_B, groups = ['mymaster']): PeerLink {
  let link = createPeerLink(endpoint, 'f'.repeat(40), 0);
  link = peerConnected(link, true, 50);
  link = peerPingSent(link, 100);
  link = peerPingReplied(link, true, 110);
  return peerHello(link, id, groups, 150);
}

describe('peerView: Sentinel SDOWN and ages', () => {
  const cases: {
    name: string;
    link: PeerLink;
    nowMs: number;
    expected: Partial<ReturnType<typeof peerView>>;
  }[] = [
    {
      name: 'answering: not down, nothing pending',
      link: healthy(),
      nowMs: 2000,
      expected: {
        sdown: false,
        disconnected: false,
        lastPingSentMsAgo: 0,
        lastOkPingReplyMsAgo: 1890,
        sdownMsAgo: null,
      },
    },
    {
      name: 'a PING pending for down-after exactly: not yet down',
      link: peerPingSent(healthy(), 1000),
      nowMs: 2000,
      expected: { sdown: false, lastPingSentMsAgo: 1000 },
    },
    {
      name: 'a PING pending longer than down-after: down since it crossed',
      link: peerPingSent(peerPingSent(healthy(), 1000), 1500),
      nowMs: 2300,
      expected: { sdown: true, lastPingSentMsAgo: 1300, sdownMsAgo: 300 },
    },
    {
      name: 'an error reply (NOAUTH) is a reply, not availability',
      link: peerPingReplied(peerPingSent(healthy(), 1000), false, 1001),
      nowMs: 2500,
      expected: { sdown: true, lastPingReplyMsAgo: 1499, lastOkPingReplyMsAgo: 2390 },
    },
    {
      name: 'link closed: a PING counts as pending from the close (Sentinel reconnects and pings at once)',
      link: peerConnected(healthy(), false, 500),
      nowMs: 1501,
      expected: {
        sdown: true,
        disconnected: true,
        lastPingSentMsAgo: 1001,
        lastOkPingReplyMsAgo: 1391,
        sdownMsAgo: 1,
      },
    },
    {
      name: 'link closed: the oldest pending PING is kept',
      link: peerConnected(peerPingSent(healthy(), 300), false, 500),
      nowMs: 1301,
      expected: { sdown: true, lastPingSentMsAgo: 1001 },
    },
    {
      name: 'never reached: counted as pinged at creation',
      link: createPeerLink('10.0.0.3:26379', 'f'.repeat(40), 0),
      nowMs: 1001,
      expected: { sdown: true, disconnected: true, lastPingSentMsAgo: 1001, host: '10.0.0.3', port: 26379 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(peerView(c.link, c.nowMs, DOWN_AFTER_MS)).toMatchObject(c.expected));
  }
});

describe('peersOfGroup: who SENTINEL SENTINELS lists', () => {
  const neverReached = createPeerLink('10.0.0.3:26379', 'f'.repeat(40), 0);
  const other = healthy('10.0.0.4:26379', 'c'.repeat(40), ['other']);
  const me = healthy('10.0.0.1:26379', ID_ME);
  const links = [healthy(), neverReached, other, me];
  const listed = (group: string, resetAtMs: number | null, nowMs = 200) =>
    peersOfGroup(links, { group, myId: ID_ME, resetAtMs, nowMs, downAfterMs: DOWN_AFTER_MS }).map(
      (p) => `${p.host}:${p.port}`,
    );

  it('lists configured peers, minus those whose hello names other groups, minus this agent itself', () => {
    expect(listed('mymaster', null)).toEqual(['10.0.0.2:26379', '10.0.0.3:26379']);
    expect(listed('other', null)).toEqual(['10.0.0.3:26379', '10.0.0.4:26379']);
  });

  it('after a RESET, lists only peers whose hello since then names the group', () => {
    expect(listed('mymaster', 160)).toEqual([]);
    expect(listed('mymaster', 150)).toEqual(['10.0.0.2:26379']);
    expect(listed('other', 100)).toEqual(['10.0.0.4:26379']);
  });
});

describe('peerEvents: what Sentinel publishes about its peers', () => {
  /** A peer with a PING pending since 1000: SDOWN at 5000, not at 1500. */
  const view = (port: number, sdown: boolean) =>
    peerView(peerPingSent(healthy(`10.0.0.9:${port}`), 1000), sdown ? 5000 : 1500, DOWN_AFTER_MS);
  const names = (events: ReturnType<typeof peerEvents>['events']) =>
    events.map((e) => `${e.name} ${e.peer.port}`);

  it('says nothing of the peers known at start unless they are down', () => {
    expect(names(peerEvents(null, [view(1, false), view(2, true)]).events)).toEqual(['+sdown 2']);
  });

  it('+sdown and -sdown on changes only, +sentinel for a peer learned since (SDOWN already or not)', () => {
    const first = peerEvents(null, [view(1, false), view(2, true)]);
    const same = peerEvents(first.state, [view(1, false), view(2, true)]);
    expect(same.events).toEqual([]);
    const changed = peerEvents(same.state, [view(1, true), view(2, false), view(3, false)]);
    expect(names(changed.events)).toEqual(['+sdown 1', '-sdown 2', '+sentinel 3']);
    // After a RESET the list is empty; a peer learned again is a new Sentinel.
    const reset = peerEvents(changed.state, []);
    expect(names(peerEvents(reset.state, [view(2, false)]).events)).toEqual(['+sentinel 2']);
  });
});
