// Prometheus metrics (prom-client, a private registry) and the /metrics + /healthz HTTP server.
import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type CheckAnswer, type HealthPath, isHealthPath } from '../core/health-checks.js';
import type { FailsafeStatus } from '../core/index.js';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly probeLatency = new Histogram({
    name: 'edge_sentinel_probe_latency_seconds',
    help: 'PING round trip per node and outcome',
    labelNames: ['group', 'node', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly sdown = new Gauge({
    name: 'edge_sentinel_node_sdown',
    help: '1 when this agent sees the node subjectively down',
    labelNames: ['group', 'node'] as const,
    registers: [this.registry],
  });
  readonly fenced = new Gauge({
    name: 'edge_sentinel_node_fenced',
    help: '1 when the agent has fenced this local node (min-replicas-to-write raised)',
    labelNames: ['group', 'node'] as const,
    registers: [this.registry],
  });
  readonly voterLink = new Gauge({
    name: 'edge_sentinel_voter_link_up',
    help: '1 while the WebSocket to the voter is open',
    labelNames: ['group', 'voter'] as const,
    registers: [this.registry],
  });
  readonly voterAuthFailures = new Counter({
    name: 'edge_sentinel_voter_auth_failures_total',
    help: 'Connections the coordinator refused with 401 or 403',
    labelNames: ['group', 'voter'] as const,
    registers: [this.registry],
  });
  readonly badFrames = new Counter({
    name: 'edge_sentinel_voter_bad_frames_total',
    help: 'Frames from voters that did not decode',
    labelNames: ['group', 'voter'] as const,
    registers: [this.registry],
  });
  readonly outboundDropped = new Counter({
    name: 'edge_sentinel_voter_outbound_dropped_total',
    help: 'Messages to voters dropped because the bounded queue was full',
    labelNames: ['group', 'voter'] as const,
    registers: [this.registry],
  });
  readonly epoch = new Gauge({
    name: 'edge_sentinel_epoch',
    help: 'Highest config epoch this agent has seen',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: 'edge_sentinel_commands_total',
    help: 'Commands executed on local nodes by kind and result',
    labelNames: ['group', 'kind', 'result'] as const,
    registers: [this.registry],
  });
  readonly stateWriteFailures = new Counter({
    name: 'edge_sentinel_state_write_failures_total',
    help: 'Steps whose state file write failed after its attempts: none of their messages, commands, grants or events went out',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });
  readonly droppedInputs = new Counter({
    name: 'edge_sentinel_dropped_inputs_total',
    help: 'Inputs dropped because the core input queue was full',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });

  /** Read at scrape time: the failsafe's state per group and the datagram counters. */
  private failsafe: () => FailsafeReading = () => ({ groups: [], datagrams: null });

  readonly failsafeActive = new Gauge({
    name: 'edge_sentinel_failsafe_active',
    help: '1 while the local master writes on its peers grants (no majority of voters renews its lease)',
    labelNames: ['group'] as const,
    registers: [this.registry],
    collect: () => this.readFailsafe(),
  });
  readonly failsafePeersReady = new Gauge({
    name: 'edge_sentinel_failsafe_peers_ready',
    help: 'Peer agents that answered this agent granted (or would grant) within 15 s',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });
  readonly failsafePeers = new Gauge({
    name: 'edge_sentinel_failsafe_peers',
    help: 'Peer agents whose grants the failsafe needs (every other node of the group)',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });
  readonly failsafeHoldSeconds = new Gauge({
    name: 'edge_sentinel_failsafe_hold_seconds',
    help: 'How long this agent still keeps its node fenced and unpromoted for a grant it gave',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });
  readonly failsafeDatagrams = new Gauge({
    name: 'edge_sentinel_failsafe_datagrams',
    help: 'Failsafe datagrams received, rejected (bad MAC, schema, unknown group) and dropped (flood), since start',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** `defaultMetrics`: also prom-client's process metrics (CPU, memory, event loop); on by default. */
  constructor({ defaultMetrics = true }: { readonly defaultMetrics?: boolean } = {}) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  watchFailsafe(read: () => FailsafeReading): void {
    this.failsafe = read;
  }

  /** One read at scrape time sets every failsafe gauge (prom-client collects the first one first). */
  private readFailsafe(): void {
    const { groups, datagrams } = this.failsafe();
    for (const g of groups) {
      this.failsafeActive.set({ group: g.group }, g.status.active ? 1 : 0);
      this.failsafePeersReady.set({ group: g.group }, g.status.peers.filter((p) => p.ready).length);
      this.failsafePeers.set({ group: g.group }, g.status.peers.length);
      this.failsafeHoldSeconds.set({ group: g.group }, g.status.holdForMs / 1000);
    }
    if (datagrams !== null) {
      for (const [outcome, count] of Object.entries(datagrams))
        this.failsafeDatagrams.set({ outcome }, count);
    }
  }
}

export interface FailsafeReading {
  readonly groups: readonly { readonly group: string; readonly status: FailsafeStatus }[];
  readonly datagrams: Readonly<Record<string, number>> | null;
}

export interface Health {
  readonly ok: boolean;
  readonly [key: string]: unknown;
}

/** The load balancers' checks (health.ts): /primary, /replica, /health with their query. */
export type HealthChecks = (path: HealthPath, params: URLSearchParams) => CheckAnswer;

/**
 * GET /metrics (Prometheus text), GET /healthz (JSON; 503 while shutting down) and, given
 * `checks`, the load balancers' GET /primary, /replica and /health (JSON; 200, 503, 400).
 */
export async function startMetricsServer(
  host: string,
  port: number,
  metrics: AgentMetrics,
  health: () => Health,
  checks?: HealthChecks,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    const path = url.pathname;
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
      return;
    }
    if (path === '/healthz') {
      const body = health();
      res.writeHead(body.ok ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (checks !== undefined && isHealthPath(path)) {
      let answer: CheckAnswer;
      try {
        answer = checks(path, url.searchParams);
      } catch (error) {
        answer = { status: 503, body: { ok: false, reason: `check failed: ${String(error)}` } };
      }
      res
        .writeHead(answer.status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
        .end(JSON.stringify(answer.body));
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    server,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
