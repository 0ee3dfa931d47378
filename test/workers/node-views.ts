// Three nodes and a healthy view of each (the first is the master): shared by the voter-core
// harness and the fake agents of the Workers-runtime tests.
import type { NodeId, NodeView } from '../../workers/protocol/index.js';

export const NODES: readonly NodeId[] = ['10.0.0.1:6379', '10.0.0.2:6379', '10.0.0.3:6379'];

export function view(node: NodeId, over: Partial<NodeView> = {}): NodeView {
  const master = node === NODES[0];
  return {
    node,
    sdown: false,
    role: master ? 'master' : 'replica',
    masterNode: master ? null : (NODES[0] ?? null),
    linkUp: !master,
    linkDownMs: 0,
    offsetBytes: 1000,
    runId: `run-${node}`,
    priority: 100,
    rebooted: false,
    fenced: false,
    ...over,
  };
}
