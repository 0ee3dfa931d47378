// Links to the other agents' Sentinel endpoints (the file's `peers`): a PING twice a second, a hello (MYID, ROLE) every 2 s and a check ten times a second, as Sentinel keeps with its peers.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { type NodeId, parseNodeId } from '../../workers/protocol/index.js';
import {
  createPeerLink,
  type PeerLink,
  peerConnected,
  peerHello,
  peerPingReplied,
  peerPingSent,
} from '../core/sentinel-peers.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import { redisOptions } from './redis-options.js';
import type { Cancel, Timers } from './timers.js';

/** Sentinel pings its peers every second; twice as often keeps SDOWN within down-after at 1 s. */
export const PING_PERIOD_MS = 500;
/** Sentinel checks its instances ten times a second: SDOWN changes are published within this. */
const TICK_MS = 100;
/** Sentinel's hello period: a peer's id and groups are refreshed this often. */
export const HELLO_PERIOD_MS = 2000;
/** Connect and command bound: a peer that does not answer in this time has not answered. */
const PEER_TIMEOUT_MS = 1000;

/** 40 hex characters (Sentinel's run id format) derived from a stable name. */
export function sentinelId(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}

const MyIdSchema = z.string().regex(/^[0-9a-f]{40}$/);
/** Sentinel's ROLE: `["sentinel", [master names]]`. */
const RoleSchema = z.tuple([z.literal('sentinel'), z.array(z.string().max(256)).max(10_000)]);

/** What the links AUTH with (Sentinel's `sentinel-user` / `sentinel-pass`): no password, no AUTH. */
export interface PeerCredentials {
  readonly username?: string;
  readonly password?: string;
}

export interface PeerSentinelsOptions {
  readonly agentId: string;
  readonly peers: readonly NodeId[];
  /** This agent's own Sentinel password: the agents of a deployment share it (until SENTINEL CONFIG SET sentinel-pass). */
  readonly password?: string;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
}

interface Peer {
  link: PeerLink;
  readonly client: Redis;
  pinging: boolean;
  greeting: boolean;
  /** The last problem logged, so a persistent one is logged once. */
  lastProblem: string | null;
}

export class PeerSentinels {
  private readonly peers: Peer[] = [];
  private cancel: Cancel | null = null;
  private lastHelloRoundMs = Number.NEGATIVE_INFINITY;
  private lastPingRoundMs = Number.NEGATIVE_INFINITY;
  private readonly tickListeners: (() => void)[] = [];
  private auth: PeerCredentials;

  constructor(private readonly options: PeerSentinelsOptions) {
    const nowMs = options.clock.nowMs();
    this.auth = options.password === undefined ? {} : { password: options.password };
    for (const endpoint of new Set(options.peers)) {
      const { host, port } = parseNodeId(endpoint);
      const client = new Redis(
        redisOptions(
          { host, port, ...this.auth },
          PEER_TIMEOUT_MS,
          `edge-sentinel-peer:${options.agentId}`.slice(0, 128).replace(/\s/g, '_'),
        ),
      );
      const peer: Peer = {
        link: createPeerLink(endpoint, sentinelId(endpoint), nowMs),
        client,
        pinging: false,
        greeting: false,
        lastProblem: null,
      };
      client.on('error', (error: Error) => this.problem(peer, `link error: ${error.message}`));
      client.on('ready', () => {
        peer.link = peerConnected(peer.link, true, this.options.clock.nowMs());
        peer.lastProblem = null;
        this.ping(peer);
        this.hello(peer);
      });
      client.on('close', () => {
        peer.link = peerConnected(peer.link, false, this.options.clock.nowMs());
      });
      this.peers.push(peer);
    }
  }

  /** Every peer's link as it stands. */
  links(): readonly PeerLink[] {
    return this.peers.map((peer) => peer.link);
  }

  /** The user and password the links AUTH with now. */
  credentials(): PeerCredentials {
    return this.auth;
  }

  /**
   * Sentinel's `SENTINEL CONFIG SET sentinel-user / sentinel-pass`: the new credentials for every
   * link, and every link dropped and reconnected with them (sentinelDropConnections), so a
   * wrong one shows at once as the peers going `disconnected`, then `s_down`.
   */
  setCredentials(credentials: PeerCredentials): void {
    this.auth = {
      ...(credentials.username === undefined ? {} : { username: credentials.username }),
      ...(credentials.password === undefined ? {} : { password: credentials.password }),
    };
    for (const peer of this.peers) {
      // As Sentinel: no password, no AUTH at all (a user alone would be sent as the password).
      peer.client.options.username = this.auth.password === undefined ? undefined : this.auth.username;
      peer.client.options.password = this.auth.password;
      peer.lastProblem = null;
      // A stopped link stays stopped: start() connects it with the new credentials.
      if (this.cancel !== null) peer.client.disconnect(true);
    }
    this.options.logger.info(
      { user: this.auth.username ?? null, password: this.auth.password === undefined ? 'none' : 'set' },
      'Sentinel peer links reconnecting with new credentials',
    );
  }

  /** `listener` runs on every check (ten a second), when a peer's SDOWN may have changed. */
  onTick(listener: () => void): void {
    this.tickListeners.push(listener);
  }

  start(): void {
    if (this.cancel !== null) return;
    for (const peer of this.peers) void peer.client.connect().catch(() => undefined);
    this.cancel = this.options.timers.every(TICK_MS, () => this.tick());
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
    for (const peer of this.peers) peer.client.disconnect();
  }

  private tick(): void {
    const nowMs = this.options.clock.nowMs();
    const pingRound = nowMs - this.lastPingRoundMs >= PING_PERIOD_MS;
    if (pingRound) this.lastPingRoundMs = nowMs;
    const helloRound = nowMs - this.lastHelloRoundMs >= HELLO_PERIOD_MS;
    if (helloRound) this.lastHelloRoundMs = nowMs;
    for (const peer of this.peers) {
      if (peer.client.status !== 'ready') continue;
      if (pingRound) this.ping(peer);
      if (helloRound) this.hello(peer);
    }
    for (const listener of this.tickListeners) listener();
  }

  /** One PING at a time per peer; one left unanswered keeps its send time as the pending one. */
  private ping(peer: Peer): void {
    if (peer.pinging) return;
    peer.pinging = true;
    peer.link = peerPingSent(peer.link, this.options.clock.nowMs());
    peer.client
      .ping()
      .then(
        (reply) => {
          peer.link = peerPingReplied(peer.link, reply === 'PONG', this.options.clock.nowMs());
        },
        (error: unknown) => {
          // An error reply (NOAUTH, WRONGPASS) is a reply, but not an available peer; a timeout is no reply.
          const message = error instanceof Error ? error.message : String(error);
          if (error instanceof Error && error.name === 'ReplyError') {
            peer.link = peerPingReplied(peer.link, false, this.options.clock.nowMs());
          }
          this.problem(peer, `PING: ${message}`);
        },
      )
      .finally(() => {
        peer.pinging = false;
      });
  }

  /** The peer's id and groups: `SENTINEL MYID` and `ROLE`, checked with zod. */
  private hello(peer: Peer): void {
    if (peer.greeting) return;
    peer.greeting = true;
    Promise.all([peer.client.call('SENTINEL', 'MYID'), peer.client.call('ROLE')])
      .then(([id, role]) => {
        const myId = MyIdSchema.safeParse(id);
        const roles = RoleSchema.safeParse(role);
        if (!myId.success || !roles.success) {
          this.problem(
            peer,
            'hello: the peer is not a Sentinel (SENTINEL MYID or ROLE did not answer as one)',
          );
          return;
        }
        peer.link = peerHello(peer.link, myId.data, roles.data[1], this.options.clock.nowMs());
      })
      .catch((error: unknown) => this.problem(peer, `hello: ${String(error)}`))
      .finally(() => {
        peer.greeting = false;
      });
  }

  /** Logged once until the link is ready again: a peer that is down is not news every half second. */
  private problem(peer: Peer, what: string): void {
    const kind = what.split(':')[0] ?? what;
    if (peer.lastProblem === kind) return;
    peer.lastProblem = kind;
    this.options.logger.warn({ peer: peer.link.endpoint, problem: what }, 'Sentinel peer link problem');
  }
}
