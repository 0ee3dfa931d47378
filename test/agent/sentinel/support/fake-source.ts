// A SentinelSource test double: a snapshot the test sets, events it publishes, failover/reset/SET it scripts, CONFIG values it keeps.
import { Redis } from 'ioredis';
import type {
  CachedInfo,
  FailoverKind,
  FailoverOutcome,
  SentinelConfigChange,
  SentinelConfigValues,
  SentinelEvent,
  SentinelGroup,
  SentinelNode,
  SentinelPeer,
  SentinelSnapshot,
  SentinelSource,
  SettingsChange,
  SettingsOutcome,
  TimingChange,
  TimingParameter,
} from '../../../../agent/sentinel/source.js';
import type { NodeId, NodeView } from '../../../../workers/protocol/index.js';

export const MY_ID = 'e1d2c3b4a5f60718293a4b5c6d7e8f9012345678';

export class FakeSource implements SentinelSource {
  current: SentinelSnapshot;
  failoverOutcome: FailoverOutcome = { ok: true };
  /** Resolves failover requests only when the test says so, if set. */
  failoverGate: Promise<void> | null = null;
  readonly failoverCalls: string[] = [];
  resetResult = 1;
  readonly resetCalls: string[] = [];
  settingsOutcome: SettingsOutcome = { ok: true, version: 1, applied: true };
  readonly settingsCalls: { group: string; change: SettingsChange }[] = [];
  /** What SENTINEL CONFIG GET reports; SENTINEL CONFIG SET changes it. */
  configValues: SentinelConfigValues = {
    loglevel: 'notice',
    sentinelUser: '',
    sentinelPass: '',
    resolveHostnames: true,
    announceHostnames: true,
    announceIp: '10.0.0.9',
    announcePort: 26379,
  };
  readonly configCalls: SentinelConfigChange[] = [];
  timingParameters: TimingParameter[] = [
    { name: 'INFO-PERIOD', valueMs: 1000 },
    { name: 'PING-PERIOD', valueMs: 100 },
  ];
  /** What SENTINEL INFO-CACHE answers for a node of a group; a node not here was never heard from. */
  readonly infoTexts = new Map<NodeId, CachedInfo>();
  private readonly listeners = new Set<(event: SentinelEvent) => void>();

  constructor(snapshot: SentinelSnapshot) {
    this.current = snapshot;
  }

  snapshot(): SentinelSnapshot {
    return this.current;
  }

  masterAddress(group: string): NodeId | null {
    return this.current.groups.find((g) => g.name === group)?.master.node ?? null;
  }

  onEvent(listener: (event: SentinelEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  publish(event: SentinelEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  async failover(group: string, kind: FailoverKind = 'failover'): Promise<FailoverOutcome> {
    this.failoverCalls.push(kind === 'failover' ? group : `${group} (${kind})`);
    if (this.failoverGate !== null) await this.failoverGate;
    return this.failoverOutcome;
  }

  async reset(pattern: string): Promise<number> {
    this.resetCalls.push(pattern);
    return this.resetResult;
  }

  async setSettings(group: string, change: SettingsChange): Promise<SettingsOutcome> {
    this.settingsCalls.push({ group, change });
    return this.settingsOutcome;
  }

  config(): SentinelConfigValues {
    return this.configValues;
  }

  setConfig(change: SentinelConfigChange): void {
    this.configCalls.push(change);
    this.configValues = {
      ...this.configValues,
      ...(change.loglevel === undefined ? {} : { loglevel: change.loglevel }),
      ...(change.sentinelUser === undefined ? {} : { sentinelUser: change.sentinelUser }),
      ...(change.sentinelPass === undefined ? {} : { sentinelPass: change.sentinelPass }),
    };
  }

  timing(): readonly TimingParameter[] {
    return this.timingParameters;
  }

  /** SENTINEL DEBUG's changes, in order; the listing shows them as an agent would. */
  readonly timingChanges: TimingChange[] = [];
  setTiming(change: TimingChange): void {
    this.timingChanges.push(change);
    const values: Record<string, number | undefined> = {
      'INFO-PERIOD': change.infoPeriodMs,
      'PING-PERIOD': change.pingPeriodMs,
    };
    this.timingParameters = this.timingParameters.map((p) => ({
      ...p,
      valueMs: values[p.name] ?? p.valueMs,
    }));
  }

  infoCache(group: string): readonly CachedInfo[] | null {
    const found = this.current.groups.find((g) => g.name === group);
    if (found === undefined) return null;
    return [found.master, ...found.replicas].map(
      ({ node }) => this.infoTexts.get(node) ?? { ageMs: 0, text: null },
    );
  }
}

export function view(node: NodeId, fields: Partial<NodeView> = {}): NodeView {
  return {
    node,
    sdown: false,
    role: 'replica',
    masterNode: null,
    linkUp: true,
    linkDownMs: 0,
    offsetBytes: 0,
    runId: '',
    priority: 100,
    rebooted: false,
    fenced: false,
    ...fields,
  };
}

export function sentinelNode(nodeView: NodeView, node: NodeId = nodeView.node): SentinelNode {
  return { node, view: nodeView, lastPingSentMsAgo: 40, lastOkPingReplyMsAgo: 40, infoRefreshMsAgo: 900 };
}

/** Another agent whose link is up and answering (pinged 40 ms ago, hello 900 ms ago); `fields` override. */
export function peer(
  host: string,
  port: number,
  id: string,
  fields: Partial<SentinelPeer> = {},
): SentinelPeer {
  return {
    host,
    port,
    id,
    sdown: false,
    disconnected: false,
    lastPingSentMsAgo: 0,
    lastOkPingReplyMsAgo: 40,
    lastPingReplyMsAgo: 40,
    lastHelloMsAgo: 900,
    sdownMsAgo: null,
    ...fields,
  };
}

export interface GroupSettings {
  readonly name?: string;
  readonly epoch?: number;
  readonly failoverInProgress?: boolean;
  readonly sentinels?: SentinelGroup['sentinels'];
  readonly votersConnected?: number;
  readonly voterCount?: number;
  readonly quorum?: number;
}

export function group(
  master: SentinelNode,
  replicas: SentinelNode[],
  settings: GroupSettings = {},
): SentinelGroup {
  return {
    name: settings.name ?? 'mymaster',
    master,
    epoch: settings.epoch ?? 0,
    failoverInProgress: settings.failoverInProgress ?? false,
    replicas,
    sentinels: settings.sentinels ?? [],
    quorum: settings.quorum ?? 2,
    downAfterMs: 5000,
    failoverTimeoutMs: 180000,
    parallelSyncs: 1,
    votersConnected: settings.votersConnected ?? 3,
    voterCount: settings.voterCount ?? 3,
  };
}

function infoField(info: string, field: string): string | undefined {
  const line = info.split('\r\n').find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1);
}

/** The view an agent would report for a real redis-server, read from its INFO. */
export async function liveView(port: number): Promise<NodeView> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info();
    const role = infoField(info, 'role') === 'master' ? 'master' : 'replica';
    const masterHost = infoField(info, 'master_host');
    const masterPort = infoField(info, 'master_port');
    return view(`127.0.0.1:${port}`, {
      role,
      runId: infoField(info, 'run_id') ?? '',
      masterNode: role === 'replica' && masterHost !== undefined ? `${masterHost}:${masterPort}` : null,
      linkUp: role === 'master' || infoField(info, 'master_link_status') === 'up',
      offsetBytes: Number(
        infoField(info, role === 'master' ? 'master_repl_offset' : 'slave_repl_offset') ?? 0,
      ),
      priority: Number(infoField(info, 'slave_priority') ?? 100),
    });
  } finally {
    client.disconnect();
  }
}

/** A one-group snapshot built from what the real servers report right now. */
export async function liveSnapshot(masterPort: number, replicaPorts: number[]): Promise<SentinelSnapshot> {
  const master = sentinelNode(await liveView(masterPort));
  const replicas = await Promise.all(replicaPorts.map(async (p) => sentinelNode(await liveView(p))));
  return { myId: MY_ID, groups: [group(master, replicas)] };
}
