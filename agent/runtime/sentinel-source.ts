// The SentinelSource the Sentinel wire protocol serves from: every group's Sentinel view (agent/core/sentinel-view.ts), the live peers, RESET, and events.

import { formatNodeId, instancePayload, type NodeId } from '../../workers/protocol/index.js';
import { type PeerLink, type PeerListState, peerEvents, peersOfGroup } from '../core/sentinel-peers.js';
import { afterReset } from '../core/sentinel-view.js';
import { globMatch } from '../sentinel/glob.js';
import type {
  FailoverKind,
  FailoverOutcome,
  SentinelEvent,
  SentinelGroup,
  SentinelPeer,
  SentinelSnapshot,
  SentinelSource,
} from '../sentinel/source.js';
import type { AdminClient } from './admin-client.js';
import type { Clock } from './clock.js';
import type { GroupRunner } from './group-runner.js';
import { sentinelId } from './peer-sentinels.js';

const MAX_LISTENERS = 10_000;

/** The other agents' Sentinel links, as PeerSentinels keeps them. */
export interface PeerLinks {
  links(): readonly PeerLink[];
  /** Called on every check of the links (ten times a second). */
  onTick(listener: () => void): void;
}

export class RuntimeSentinelSource implements SentinelSource {
  private readonly listeners = new Set<(event: SentinelEvent) => void>();
  /** When SENTINEL RESET last cleared each group's lists, on the runners' clock. */
  private readonly resetAtMs = new Map<string, number>();
  /** Each group's peer list at the last check, for `+sentinel`/`+sdown`/`-sdown`. */
  private readonly peerLists = new Map<string, PeerListState>();
  readonly myId: string;

  constructor(
    agentId: string,
    private readonly groups: () => readonly GroupRunner[],
    /** The other agents' Sentinel endpoints (the file's `peers`) and this agent's live links to them. */
    private readonly peers: PeerLinks,
    private readonly admin: AdminClient,
    private readonly clock: Clock,
  ) {
    this.myId = sentinelId(agentId);
    peers.onTick(() => this.checkPeers());
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
    return this.admin.failover(group, kind);
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
