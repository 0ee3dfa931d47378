// Sentinel's event payload formats, built once for the voters' events and the agents' Pub/Sub, so
// RESP subscribers and HTTP consumers parse them unchanged.
import { type NodeId, parseNodeId } from './common.js';

export type InstanceType = 'master' | 'slave' | 'sentinel';

/**
 * `<type> <name> <ip> <port>`, plus ` @ <master-name> <master-ip> <master-port>` for anything
 * but a master. A replica's name is its `ip:port`, a master's the group name.
 */
export function instancePayload(
  type: InstanceType,
  name: string,
  node: NodeId,
  master?: { readonly group: string; readonly node: NodeId },
): string {
  const { host, port } = parseNodeId(node);
  const own = `${type} ${name} ${host} ${port}`;
  if (type === 'master' || master === undefined) return own;
  const m = parseNodeId(master.node);
  return `${own} @ ${master.group} ${m.host} ${m.port}`;
}

/** `master <name> <ip> <port>` */
export function masterPayload(group: string, master: NodeId): string {
  return instancePayload('master', group, master);
}

/** `slave <ip>:<port> <ip> <port> @ <name> <master-ip> <master-port>` */
export function replicaPayload(group: string, replica: NodeId, master: NodeId): string {
  return instancePayload('slave', replica, replica, { group, node: master });
}

/** `<name> <old-ip> <old-port> <new-ip> <new-port>`: the `+switch-master` payload every client follows. */
export function switchMasterPayload(group: string, from: NodeId, to: NodeId): string {
  const a = parseNodeId(from);
  const b = parseNodeId(to);
  return `${group} ${a.host} ${a.port} ${b.host} ${b.port}`;
}
