// An in-test coordinator: HTTP + ws on loopback, speaking the real voter protocol to agents (settings, configs, lease pongs).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { agentToken } from '../../../workers/auth/hmac.js';
import {
  type AgentMessage,
  type AnnouncedSettings,
  type Config,
  decodeAgentMessage,
  LEASE_PING,
  LEASE_PONG,
} from '../../../workers/protocol/index.js';

export const TEST_AGENT_SECRET = 'agent-secret-for-runtime-tests-0123';

export const DEFAULT_SETTINGS: AnnouncedSettings = {
  voters: 3,
  quorum: 2,
  downAfterMs: 1000,
  failoverTimeoutMs: 6000,
  parallelSyncs: 1,
  fencing: true,
  leaseMs: 2000,
  clockDriftRatio: 0.01,
};

interface Peer {
  readonly group: string;
  readonly voter: number;
  readonly agentId: string;
  readonly ws: WebSocket;
}

export class FakeVoters {
  readonly received: { voter: number; message: AgentMessage }[] = [];
  readonly peers = new Set<Peer>();
  config: Config | null = null;
  /** While false, upgrades are refused (503) and no sockets stay open: a partition from the coordinator. */
  reachable = true;
  /** Answer LEASE_PING with LEASE_PONG (the Workers runtime's auto-response). */
  answerPings = true;
  upgrades = 0;
  refusedTokens = 0;
  /** Answers the HTTP requests (the admin API) if set; else 404. */
  onRequest: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  /** The settings pushed now and their runtime-override version (`pushSettings` changes them). */
  private announced: { settings: AnnouncedSettings; version: number } | null = null;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly url: string,
    /** The groups served (one config for all); `group` is the first. */
    readonly groups: ReadonlySet<string>,
    readonly settings: AnnouncedSettings,
  ) {}

  get group(): string {
    return this.groups.values().next().value ?? '';
  }

  /** Serves `group`, or every group of a list (an agent at scale: the same settings and config for each). */
  static async start(
    group: string | readonly string[],
    settings: Partial<AnnouncedSettings> = {},
  ): Promise<FakeVoters> {
    let voters: FakeVoters | null = null;
    const server = createServer((req, res) => {
      if (voters?.onRequest) voters.onRequest(req, res);
      else res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const groups = new Set(typeof group === 'string' ? [group] : group);
    const started = new FakeVoters(server, wss, `http://127.0.0.1:${port}`, groups, {
      ...DEFAULT_SETTINGS,
      ...settings,
    });
    voters = started;
    server.on('upgrade', (req, socket, head) => void started.onUpgrade(req, socket, head));
    return started;
  }

  /** Commit a config and push it to every connected agent, like voters after a commit. */
  push(config: Config): void {
    this.config = config;
    for (const peer of this.peers) this.sendConfig(peer);
  }

  /** A runtime settings override adopted, like voters after a settings write: pushed to every agent. */
  pushSettings(settings: Partial<AnnouncedSettings>, version: number): void {
    this.announced = { settings: { ...(this.announced?.settings ?? this.settings), ...settings }, version };
    for (const peer of this.peers) this.sendSettings(peer);
  }

  /** Send raw text on every socket (bad frames tests). */
  sendRaw(text: string): void {
    for (const peer of this.peers) peer.ws.send(text);
  }

  /** Drop every socket and refuse new ones. */
  cut(): void {
    this.reachable = false;
    for (const peer of this.peers) peer.ws.terminate();
    this.peers.clear();
  }

  heal(): void {
    this.reachable = true;
  }

  connected(): number[] {
    return [...this.peers].map((p) => p.voter).sort();
  }

  messages(kind: AgentMessage['kind']): AgentMessage[] {
    return this.received.filter((r) => r.message.kind === kind).map((r) => r.message);
  }

  async close(): Promise<void> {
    for (const peer of this.peers) peer.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.upgrades++;
    const match = /^\/v1\/groups\/([^/]+)\/voters\/(\d)\/agent/.exec(req.url ?? '');
    const agentId = String(req.headers['x-edge-sentinel-agent'] ?? '');
    if (!this.reachable) return refuse(socket, 503, 'unavailable');
    const group = decodeURIComponent(match?.[1] ?? '');
    if (match === null || !this.groups.has(group)) return refuse(socket, 404, 'no such group');
    const voter = Number(match[2]);
    if (voter >= this.settings.voters) return refuse(socket, 404, 'unknown voter');
    const expected = await agentToken(TEST_AGENT_SECRET, agentId, group);
    if (req.headers.authorization !== `Bearer ${expected}`) {
      this.refusedTokens++;
      return refuse(socket, 401, '{"error":{"code":"unauthorized","message":"bad agent token"}}');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const peer: Peer = { group, voter, agentId, ws };
      this.peers.add(peer);
      ws.on('close', () => this.peers.delete(peer));
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = data.toString();
        if (text === LEASE_PING) {
          if (this.answerPings) ws.send(LEASE_PONG);
          return;
        }
        const decoded = decodeAgentMessage(text);
        if (decoded.ok) this.received.push({ voter, message: decoded.message });
      });
      this.sendSettings(peer);
      this.sendConfig(peer);
    });
  }

  private sendSettings(peer: Peer): void {
    const { settings, version } = this.announced ?? { settings: this.settings, version: 0 };
    const message = { v: 1, kind: 'settings', group: peer.group, voter: peer.voter, settings };
    peer.ws.send(JSON.stringify(version === 0 ? message : { ...message, settingsVersion: version }));
  }

  private sendConfig(peer: Peer): void {
    if (this.config === null) return;
    peer.ws.send(
      JSON.stringify({ v: 1, kind: 'config', group: peer.group, voter: peer.voter, config: this.config }),
    );
  }
}

function refuse(socket: Duplex, status: number, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function tokenFor(agentId: string, group: string): Promise<string> {
  return agentToken(TEST_AGENT_SECRET, agentId, group);
}
