// Sentinel's event payload formats, so RESP subscribers and HTTP consumers parse them unchanged.
import { type NodeId, parseNodeId } from '../protocol/index.js';

/** `master <name> <ip> <port>` */
export function masterPayload(group: string, master: NodeId): string {
  const { host, port } = parseNodeId(master);
  return `master ${group} ${host} ${port}`;
}

/** `slave <ip>:<port> <ip> <port> @ <name> <master-ip> <master-port>` */
export function replicaPayload(group: string, replica: NodeId, master: NodeId): string {
  const r = parseNodeId(replica);
  const m = parseNodeId(master);
  return `slave ${replica} ${r.host} ${r.port} @ ${group} ${m.host} ${m.port}`;
}

/** `+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>` */
export function switchMasterPayload(group: string, from: NodeId, to: NodeId): string {
  const a = parseNodeId(from);
  const b = parseNodeId(to);
  return `${group} ${a.host} ${a.port} ${b.host} ${b.port}`;
}
