// The SentinelSource the Sentinel wire protocol serves from: every group's Sentinel view (agent/core/sentinel-view.ts), and events.
import { createHash } from 'node:crypto';
import type { NodeId } from '../../workers/protocol/index.js';
import { parseNodeId } from '../../workers/protocol/index.js';
import { globMatch } from '../sentinel/glob.js';
import type {
  FailoverOutcome,
  SentinelEvent,
  SentinelGroup,
  SentinelSnapshot,
  SentinelSource,
} from '../sentinel/source.js';
import type { AdminClient } from './admin-client.js';
import type { GroupRunner } from './group-runner.js';

const MAX_LISTENERS = 10_000;

/** 40 hex characters (Sentinel's run id format) derived from a stable name. */
export function sentinelId(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}

export class RuntimeSentinelSource implements SentinelSource {
  private readonly listeners = new Set<(event: SentinelEvent) => void>();
  readonly myId: string;

  constructor(
    agentId: string,
    private readonly groups: () => readonly GroupRunner[],
    /** Other agents' Sentinel endpoints, from the file's `peers` (the voters do not relay them yet). */
    private readonly peers: readonly NodeId[],
    private readonly admin: AdminClient,
  ) {
    this.myId = sentinelId(agentId);
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

  failover(group: string): Promise<FailoverOutcome> {
    if (!this.groups().some((g) => g.name === group)) {
      return Promise.resolve({ ok: false, code: 'ERR', message: 'No such master with that name' });
    }
    return this.admin.failover(group);
  }

  async reset(pattern: string): Promise<number> {
    const matching = this.groups().filter((g) => globMatch(pattern, g.name));
    const results = await Promise.all(matching.map((g) => this.admin.reset(g.name)));
    return results.filter(Boolean).length;
  }

  /** A group without any known config is left out: this agent cannot name its master yet. */
  private group(runner: GroupRunner): SentinelGroup | null {
    const view = runner.sentinelView();
    if (view === null) return null;
    return {
      name: runner.name,
      ...view,
      sentinels: this.peers.map((peer) => ({ ...parseNodeId(peer), id: sentinelId(peer) })),
    };
  }
}
