// The SentinelSource the Sentinel wire protocol serves from: every group's Sentinel view (agent/core/sentinel-view.ts), the live peers, RESET, SET, CONFIG, DEBUG, and events.

import { formatNodeId, instancePayload, type NodeId } from '../../workers/protocol/index.js';
import { type PeerLink, type PeerListState, peerEvents, peersOfGroup } from '../core/sentinel-peers.js';
import { afterReset, sentinelSettings } from '../core/sentinel-view.js';
import { globMatch } from '../sentinel/glob.js';
import type {
  CachedInfo,
  FailoverKind,
  FailoverOutcome,
  SentinelConfigChange,
  SentinelConfigValues,
  SentinelEvent,
  SentinelGroup,
  SentinelPeer,
  SentinelSnapshot,
  SentinelSource,
  SettingsChange,
  SettingsOutcome,
  TimingChange,
  TimingParameter,
} from '../sentinel/source.js';
import type { AdminClient } from './admin-client.js';
import type { Clock } from './clock.js';
import type { GroupRunner } from './group-runner.js';
import { type Logger, sentinelLogLevel, setSentinelLogLevel } from './logger.js';
import { HELLO_PERIOD_MS, type PeerCredentials, PING_PERIOD_MS, sentinelId } from './peer-sentinels.js';
import { SettingsEvents, waitUntil } from './sentinel-settings.js';
import type { Timers } from './timers.js';

const MAX_LISTENERS = 10_000;
/** How long a SENTINEL SET reply waits for the voters' push of what it wrote (then answers OK anyway). */
const SET_APPLY_WAIT_MS = 2000;

/** The other agents' Sentinel links, as PeerSentinels keeps them. */
export interface PeerLinks {
  links(): readonly PeerLink[];
  /** Called on every check of the links (ten times a second). */
  onTick(listener: () => void): void;
  /** What the links AUTH with, and changing it (every link reconnects). */
  credentials(): PeerCredentials;
  setCredentials(credentials: PeerCredentials): void;
}

export interface RuntimeSentinelSourceOptions {
  readonly agentId: string;
  readonly groups: () => readonly GroupRunner[];
  /** The other agents' Sentinel endpoints (the file's `peers`) and this agent's live links to them. */
  readonly peers: PeerLinks;
  readonly admin: AdminClient;
  readonly clock: Clock;
  readonly timers: Timers;
  /** The agent's root logger: SENTINEL CONFIG SET loglevel sets its level (and its children's). */
  readonly logger: Logger;
}

export class RuntimeSentinelSource implements SentinelSource {
  private readonly listeners = new Set<(event: SentinelEvent) => void>();
  /** When SENTINEL RESET last cleared each group's lists, on the runners' clock. */
  private readonly resetAtMs = new Map<string, number>();
  /** Each group's peer list at the last check, for `+sentinel`/`+sdown`/`-sdown`. */
  private readonly peerLists = new Map<string, PeerListState>();
  private readonly settingsEvents = new SettingsEvents();
  private readonly groups: () => readonly GroupRunner[];
  private readonly peers: PeerLinks;
  private readonly clock: Clock;
  readonly myId: string;

  constructor(private readonly options: RuntimeSentinelSourceOptions) {
    this.groups = options.groups;
    this.peers = options.peers;
    this.clock = options.clock;
    this.myId = sentinelId(options.agentId);
    options.peers.onTick(() => {
      this.checkPeers();
      this.checkSettings();
    });
  }

  /** `+set` for every setting a group shows that changed since the last check (see SettingsEvents). */
  checkSettings(): void {
    // Ten times a second for every group: the settings alone, not the whole Sentinel view.
    const groups = this.groups().map((runner) => {
      const master = runner.publishedMaster;
      const state = runner.current;
      const settings = state.announced === null || master === null ? null : sentinelSettings(state);
      return { name: runner.name, master, settings };
    });
    for (const event of this.settingsEvents.check(groups)) this.publish(event);
  }

  /**
   * Publishes what Sentinel publishes about its peers: `+sentinel`, `+sdown`, `-sdown` (sentinel
   * instance payloads). Runs ten times a second, so it reads only the peers, not the group's views.
   */
  checkPeers(): void {
    for (const runner of this.groups()) {
      const master = runner.publishedMaster;
      if (master === null) continue;
      const sentinels = this.peersOf(runner.name, runner.current.settings.downAfterMs);
      const { state, events } = peerEvents(this.peerLists.get(runner.name) ?? null, sentinels);
      this.peerLists.set(runner.name, state);
      for (const { name, peer } of events) {
        const payload = instancePayload('sentinel', peer.id, formatNodeId(peer.host, peer.port), {
          group: runner.name,
          node: master,
        });
        this.publish({ name, payload });
      }
    }
  }

  /** Called by the runtime for every event the cores emit. */
  publish(event: SentinelEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is the Sentinel server's to log; it must not stop the others.
      }
    }
  }

  snapshot(): SentinelSnapshot {
    const groups: SentinelGroup[] = [];
    for (const runner of this.groups()) {
      const group = this.group(runner);
      if (group !== null) groups.push(group);
    }
    return { myId: this.myId, groups };
  }

  masterAddress(group: string): NodeId | null {
    const runner = this.groups().find((g) => g.name === group);
    return runner === undefined ? null : runner.publishedMaster;
  }

  onEvent(listener: (event: SentinelEvent) => void): () => void {
    if (this.listeners.size >= MAX_LISTENERS) throw new Error('too many event subscribers');
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  failover(group: string, kind: FailoverKind = 'failover'): Promise<FailoverOutcome> {
    if (!this.groups().some((g) => g.name === group)) {
      return Promise.resolve({ ok: false, code: 'ERR', message: 'No such master with that name' });
    }
    return this.options.admin.failover(group, kind);
  }

  /**
   * SENTINEL SET: one PUT of the change to the coordinator; once a majority of voters holds it,
   * waits (up to 2 s) for the voters' push of that version to reach this agent, so SENTINEL
   * MASTER shows it next, and publishes `+set` before answering.
   */
  async setSettings(group: string, change: SettingsChange): Promise<SettingsOutcome> {
    const runner = this.groups().find((g) => g.name === group);
    if (runner === undefined) return { ok: false, message: 'No such master with that name' };
    // The coordinator checks this only against a `nodes` list in wrangler.toml, which is optional.
    const nodes = runner.current.settings.nodes.length;
    if (change.quorum !== undefined && change.quorum > nodes) {
      return {
        ok: false,
        message: `Invalid argument '${change.quorum}' for SENTINEL SET 'quorum': the group has ${nodes} node(s), one agent each, so at most ${nodes} can see its master down`,
      };
    }
    const written = await this.options.admin.putSettings(group, change);
    if (!written.ok) return written;
    const applied = await waitUntil(
      () => runner.current.announcedVersion >= written.version,
      SET_APPLY_WAIT_MS,
      this.clock,
      this.options.timers,
    );
    this.checkSettings();
    return { ok: true, version: written.version, applied };
  }

  config(): SentinelConfigValues {
    const { username, password } = this.peers.credentials();
    // Every group carries the same endpoint: the agent's one Sentinel server.
    const announced = this.groups()[0]?.current.settings.sentinel ?? null;
    return {
      loglevel: sentinelLogLevel(this.options.logger),
      sentinelUser: username ?? '',
      sentinelPass: password ?? '',
      // Node addresses may be DNS names (resolved when connecting) and are announced as written.
      resolveHostnames: true,
      announceHostnames: true,
      announceIp: announced?.host ?? '',
      announcePort: announced?.port ?? 0,
    };
  }

  /** SENTINEL CONFIG SET, in this process's memory: the agent's file is read again at its next start. */
  setConfig(change: SentinelConfigChange): void {
    if (change.loglevel !== undefined) setSentinelLogLevel(this.options.logger, change.loglevel);
    if (change.sentinelUser === undefined && change.sentinelPass === undefined) return;
    const current = this.peers.credentials();
    // As in Sentinel, an empty value removes it: no user, or no AUTH at all.
    const username = change.sentinelUser ?? current.username ?? '';
    const password = change.sentinelPass ?? current.password ?? '';
    this.peers.setCredentials({
      ...(username === '' ? {} : { username }),
      ...(password === '' ? {} : { password }),
    });
  }

  /**
   * SENTINEL DEBUG: Sentinel's names for what has a counterpart here (INFO and PING periods: the
   * shortest of this agent's groups; the hello to the other agents), then the agent's own.
   */
  timing(): readonly TimingParameter[] {
    // The periods as SENTINEL DEBUG last set them, even before the core's next step adopts them.
    const settings = this.groups().map((g) => ({ ...g.current.settings, ...g.periods }));
    const shortest = (read: (s: (typeof settings)[number]) => number) =>
      settings.length === 0 ? 0 : Math.min(...settings.map(read));
    return [
      { name: 'INFO-PERIOD', valueMs: shortest((s) => s.infoIntervalMs) },
      { name: 'PING-PERIOD', valueMs: shortest((s) => s.probeIntervalMs) },
      { name: 'PUBLISH-PERIOD', valueMs: HELLO_PERIOD_MS },
      { name: 'PING-TIMEOUT', valueMs: shortest((s) => s.probeTimeoutMs) },
      { name: 'SENTINEL-PING-PERIOD', valueMs: PING_PERIOD_MS },
    ];
  }

  /** SENTINEL DEBUG ping-period / info-period: every group's probe and INFO periods, in this process's memory. */
  setTiming(change: TimingChange): void {
    const periods = {
      ...(change.pingPeriodMs === undefined ? {} : { probeIntervalMs: change.pingPeriodMs }),
      ...(change.infoPeriodMs === undefined ? {} : { infoIntervalMs: change.infoPeriodMs }),
    };
    for (const runner of this.groups()) runner.setTiming(periods);
  }

  /** SENTINEL INFO-CACHE: the INFO texts of the nodes SENTINEL MASTER and REPLICAS show (after a RESET, the relearned ones). */
  infoCache(group: string): readonly CachedInfo[] | null {
    const runner = this.groups().find((g) => g.name === group);
    const view = runner === undefined ? null : this.group(runner);
    if (runner === undefined || view === null) return null;
    const nowMs = this.clock.nowMs();
    return [view.master, ...view.replicas].map(({ node }) => {
      const info = runner.infoText(node);
      return info === null
        ? { ageMs: 0, text: null }
        : { ageMs: Math.max(0, nowMs - info.receivedAtMs), text: info.text };
    });
  }

  /**
   * Sentinel's RESET of each matching group, here only: its replica and Sentinel lists are
   * cleared and refilled from the next probe replies and peer hellos, and `+reset-master` is
   * published. The core (probes, SDOWN, leases, config) is not touched: the voters rely on it,
   * and the coordinator's own reset (`POST /v1/groups/:group/reset`) stays an operator's act.
   */
  reset(pattern: string): Promise<number> {
    const nowMs = this.clock.nowMs();
    let count = 0;
    for (const runner of this.groups()) {
      if (!globMatch(pattern, runner.name)) continue;
      count++;
      this.resetAtMs.set(runner.name, nowMs);
      const master = runner.publishedMaster;
      if (master !== null) {
        this.publish({ name: '+reset-master', payload: instancePayload('master', runner.name, master) });
      }
    }
    return Promise.resolve(count);
  }

  /** A group without any known config is left out: this agent cannot name its master yet. */
  private group(runner: GroupRunner): SentinelGroup | null {
    const view = runner.sentinelView();
    if (view === null) return null;
    return {
      name: runner.name,
      ...view,
      replicas: afterReset(view.replicas, this.resetAtMs.get(runner.name) ?? null, this.clock.nowMs()),
      sentinels: this.peersOf(runner.name, view.downAfterMs),
    };
  }

  /** The group's peers as SENTINEL SENTINELS lists them now. */
  private peersOf(group: string, downAfterMs: number): SentinelPeer[] {
    return peersOfGroup(this.peers.links(), {
      group,
      myId: this.myId,
      resetAtMs: this.resetAtMs.get(group) ?? null,
      nowMs: this.clock.nowMs(),
      downAfterMs,
    });
  }
}
