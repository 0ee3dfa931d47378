// Sentinel's event payload formats, for whoever publishes events through a SentinelSource.

import type { NodeId } from '../../workers/protocol/index.js';
import { parseNodeId } from '../../workers/protocol/index.js';
import type { SentinelEvent } from './source.js';

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

/** `+switch-master <group> <old-ip> <old-port> <new-ip> <new-port>`: the event every client follows. */
export function switchMasterEvent(group: string, oldMaster: NodeId, newMaster: NodeId): SentinelEvent {
  const from = parseNodeId(oldMaster);
  const to = parseNodeId(newMaster);
  return { name: '+switch-master', payload: `${group} ${from.host} ${from.port} ${to.host} ${to.port}` };
}

/** `+odown` adds ` #quorum <agreeing>/<quorum>` to the master's instance payload. */
export function odownEvent(group: string, master: NodeId, agreeing: number, quorum: number): SentinelEvent {
  return {
    name: '+odown',
    payload: `${instancePayload('master', group, master)} #quorum ${agreeing}/${quorum}`,
  };
}
