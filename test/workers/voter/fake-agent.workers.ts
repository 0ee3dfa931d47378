// A fake agent for runtime tests: speaks the real protocol over WebSocket upgrades to each voter,
// answers observe requests and promotes its node when a committed config says so.

import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { agentToken as hmacAgentToken } from '../../../workers/auth/hmac.js';
import {
  type AgentMessage,
  type NodeId,
  type NodeView,
  type VoterMessage,
  VoterMessageSchema,
} from '../../../workers/protocol/index.js';
import { NODES, view } from '../node-views.js';

export { NODES, view };

/** The agent token the Worker expects: hex HMAC-SHA256(AGENT_SECRET, agentId + "\n" + group). */
export function agentToken(agentId: string, group: string): Promise<string> {
  return hmacAgentToken(String(env.AGENT_SECRET), agentId, group);
}

export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class FakeAgent {
  readonly sockets = new Map<number, WebSocket>();
  readonly received = new Map<number, VoterMessage[]>();
  views: NodeView[];
  highestEpoch = 0;
  seq = 0;
  /** Promote the local node when a committed config names it (a real agent runs REPLICAOF NO ONE). */
  promotes = true;

  constructor(
    readonly group: string,
    readonly agentId: string,
    readonly localNode: NodeId,
  ) {
    this.views = NODES.map((n) => view(n));
  }

  /** Through the Worker's route (SELF), as a deployed agent would. */
  async connect(index: number): Promise<void> {
    const token = await agentToken(this.agentId, this.group);
    const response = await SELF.fetch(`http://edge.test/v1/groups/${this.group}/voters/${index}/agent`, {
      headers: {
        Upgrade: 'websocket',
        Authorization: `Bearer ${token}`,
        'x-edge-sentinel-agent': this.agentId,
      },
    });
    const ws = response.webSocket;
    if (ws === null) throw new Error(`upgrade refused: ${response.status} ${await response.text()}`);
    ws.accept();
    this.sockets.set(index, ws);
    this.received.set(index, []);
    ws.addEventListener('message', (event: MessageEvent) => this.onMessage(index, String(event.data)));
    this.sendTo(index, {
      v: 1,
      kind: 'hello',
      agentId: this.agentId,
      group: this.group,
      localNodes: [this.localNode],
      highestEpoch: this.highestEpoch,
      sentinel: null,
    });
  }

  messages(index: number): VoterMessage[] {
    return this.received.get(index) ?? [];
  }

  sendTo(index: number, message: AgentMessage): void {
    this.sendRaw(index, JSON.stringify(message));
  }

  sendRaw(index: number, text: string): void {
    const ws = this.sockets.get(index);
    if (ws === undefined) throw new Error(`${this.agentId} is not connected to voter ${index}`);
    ws.send(text);
  }

  /** Report the current views to every connected voter (real agents send changes). */
  observe(inReplyTo: string | null = null, only?: number): void {
    this.seq += 1;
    for (const index of this.sockets.keys()) {
      if (only !== undefined && index !== only) continue;
      this.sendTo(index, {
        v: 1,
        kind: 'observation',
        agentId: this.agentId,
        group: this.group,
        seq: this.seq,
        highestEpoch: this.highestEpoch,
        inReplyTo,
        views: this.views,
      });
    }
  }

  setView(node: NodeId, over: Partial<NodeView>): void {
    this.views = this.views.map((v) => (v.node === node ? { ...v, ...over } : v));
  }

  close(): void {
    for (const ws of this.sockets.values()) ws.close(1000, 'test over');
    this.sockets.clear();
  }

  private onMessage(index: number, text: string): void {
    const parsed = VoterMessageSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return;
    const message = parsed.data;
    this.received.get(index)?.push(message);
    if (message.kind === 'observe') this.observe(message.requestId, index);
    if (message.kind !== 'config') return;
    const config = message.config;
    if (config.epoch > this.highestEpoch) this.highestEpoch = config.epoch;
    if (this.promotes && config.master === this.localNode && config.state === 'promoting') {
      const own = this.views.find((v) => v.node === this.localNode);
      if (own?.role !== 'master') {
        this.setView(this.localNode, { role: 'master', masterNode: null, linkUp: false });
        this.observe();
      }
    }
  }
}
