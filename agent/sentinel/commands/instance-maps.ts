// Sentinel's instance maps (SENTINEL MASTER / REPLICAS / SENTINELS) built from the agent's snapshot.
import { formatNodeId, parseNodeId } from '../../../workers/protocol/index.js';
import type { CommandContext } from '../command-spec.js';
import { error, type Reply, stringMap } from '../resp.js';
import type { SentinelGroup, SentinelNode, SentinelPeer } from '../source.js';

type Fields = [string, string][];

export const NO_SUCH_MASTER = error('ERR No such master with that name');

/** The group named by `args[2]`, or Redis's error for an unknown name. */
export function groupOrError({ args, server }: CommandContext): SentinelGroup | Reply {
  const name = args[2] ?? '';
  return server.source.snapshot().groups.find((g) => g.name === name) ?? NO_SUCH_MASTER;
}

export function isGroup(value: SentinelGroup | Reply): value is SentinelGroup {
  return 'master' in value;
}

function ms(value: number): string {
  return String(Math.max(0, Math.round(value)));
}

/**
 * Sentinel reports `last-ping-sent` as the age of the oldest *unanswered* ping, 0 when the
 * last one was answered.
 */
function pingFields(node: SentinelNode): Fields {
  const pending = node.lastOkPingReplyMsAgo > node.lastPingSentMsAgo;
  return [
    ['last-ping-sent', pending ? ms(node.lastPingSentMsAgo) : '0'],
    ['last-ok-ping-reply', ms(node.lastOkPingReplyMsAgo)],
    ['last-ping-reply', ms(node.lastOkPingReplyMsAgo)],
  ];
}

/** Sentinel's flag order: s_down, o_down, master|slave|sentinel, disconnected, ..., failover_in_progress, ..., master_reboot. */
function flags(
  node: SentinelNode,
  { type, failoverInProgress }: { type: 'master' | 'slave'; failoverInProgress: boolean },
): string {
  const list: string[] = [];
  if (node.view?.sdown === true) list.push('s_down');
  list.push(type);
  if (node.view === null) list.push('disconnected');
  if (failoverInProgress) list.push('failover_in_progress');
  if (node.masterReboot === true) list.push('master_reboot');
  return list.join(',');
}

/** What the node says it is; an unknown role shows as the role the configuration gives it. */
function roleReported(node: SentinelNode, configured: 'master' | 'slave'): string {
  if (node.view?.role === 'master') return 'master';
  if (node.view?.role === 'replica') return 'slave';
  return configured;
}

function commonFields(
  name: string,
  node: SentinelNode,
  group: SentinelGroup,
  type: 'master' | 'slave',
): Fields {
  const { host, port } = parseNodeId(node.node);
  return [
    ['name', name],
    ['ip', host],
    ['port', String(port)],
    ['runid', node.view?.runId ?? ''],
    ['flags', flags(node, { type, failoverInProgress: type === 'master' && group.failoverInProgress })],
    ['link-pending-commands', '0'],
    ['link-refcount', '1'],
    ...pingFields(node),
    ['down-after-milliseconds', String(group.downAfterMs)],
    ['info-refresh', ms(node.infoRefreshMsAgo ?? node.lastOkPingReplyMsAgo)],
    ['role-reported', roleReported(node, type)],
  ];
}

export function masterFields(group: SentinelGroup): Fields {
  return [
    ...commonFields(group.name, group.master, group, 'master'),
    ['config-epoch', String(group.epoch)],
    ['num-slaves', String(group.replicas.length)],
    ['num-other-sentinels', String(group.sentinels.length)],
    ['quorum', String(group.quorum)],
    ['failover-timeout', String(group.failoverTimeoutMs)],
    ['parallel-syncs', String(group.parallelSyncs)],
    ...masterRebootField(group),
  ];
}

/**
 * Sentinel 7.2 keeps master-reboot-down-after-period in sentinel.conf only and never prints it
 * in the instance map. Agents have no config file to read it from, so it is shown here, last,
 * and only when on, where Sentinel puts its other optional master fields (the scripts): with the
 * default 0 the map is Sentinel's, byte for byte.
 */
function masterRebootField(group: SentinelGroup): Fields {
  const periodMs = group.masterRebootDownAfterMs ?? 0;
  return periodMs > 0 ? [['master-reboot-down-after-period', String(periodMs)]] : [];
}

export function replicaFields(group: SentinelGroup, replica: SentinelNode): Fields {
  const { host, port } = parseNodeId(replica.node);
  const view = replica.view;
  const master = view?.masterNode ? parseNodeId(view.masterNode) : null;
  return [
    ...commonFields(formatNodeId(host, port), replica, group, 'slave'),
    ['master-link-down-time', ms(view?.linkDownMs ?? 0)],
    ['master-link-status', view?.linkUp === true ? 'ok' : 'err'],
    ['master-host', master?.host ?? '?'],
    ['master-port', String(master?.port ?? 0)],
    ['slave-priority', String(view?.priority ?? 100)],
    ['slave-repl-offset', String(view?.offsetBytes ?? 0)],
    ['replica-announced', replica.replicaAnnounced === false ? '0' : '1'],
  ];
}

/**
 * Another agent as this one's own link to it shows it, with Sentinel's fields and flag order:
 * `s_down` once a PING has waited longer than down-after (or the link has been down as long),
 * `disconnected` while the link is down. Agents do not vote among themselves (the voters elect),
 * so no leader vote is reported.
 */
export function sentinelFields(group: SentinelGroup, peer: SentinelPeer): Fields {
  const flagList = [
    ...(peer.sdown ? ['s_down'] : []),
    'sentinel',
    ...(peer.disconnected ? ['disconnected'] : []),
  ];
  return [
    ['name', peer.id],
    ['ip', peer.host],
    ['port', String(peer.port)],
    ['runid', peer.id],
    ['flags', flagList.join(',')],
    ['link-pending-commands', peer.lastPingSentMsAgo > 0 ? '1' : '0'],
    ['link-refcount', '1'],
    ['last-ping-sent', ms(peer.lastPingSentMsAgo)],
    ['last-ok-ping-reply', ms(peer.lastOkPingReplyMsAgo)],
    ['last-ping-reply', ms(peer.lastPingReplyMsAgo)],
    ...(peer.sdownMsAgo === null ? [] : ([['s-down-time', ms(peer.sdownMsAgo)]] as Fields)),
    ['down-after-milliseconds', String(group.downAfterMs)],
    ['last-hello-message', ms(peer.lastHelloMsAgo)],
    ['voted-leader', '?'],
    ['voted-leader-epoch', '0'],
  ];
}

export function asMap(fields: Fields): Reply {
  return stringMap(fields);
}
