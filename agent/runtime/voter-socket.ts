// One WebSocket to one voter: token auth, jittered back-off, bounded outbound queue, ws ping liveness, lease pings.
import { type RawData, WebSocket } from 'ws';
import {
  type AgentMessage,
  type BackoffPolicy,
  backoffDelayMs,
  decodeVoterMessage,
  LEASE_PING,
  LEASE_PONG,
  MAX_MESSAGE_BYTES,
} from '../../workers/protocol/index.js';
import type { Clock } from './clock.js';
import type { VoterEvents, VoterPort } from './group-ports.js';
import type { Logger } from './logger.js';
import { OutboundQueue } from './outbound-queue.js';

export type VoterSocketState = 'connecting' | 'open' | 'waiting' | 'closed';

/** What a WebSocket needs besides what the runner hears from it (`VoterEvents`). */
export interface VoterSocketOptions extends VoterEvents {
  readonly url: string;
  readonly token: string;
  readonly agentId: string;
  readonly voter: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly reconnect?: BackoffPolicy;
  /** ws ping period; a socket silent for three periods is closed. */
  readonly livenessIntervalMs?: number;
}

export const DEFAULT_RECONNECT: BackoffPolicy = { initialMs: 200, maxMs: 10_000 };
/** A refused token will not fix itself quickly: retry slowly, but retry (the secret may be rotated back). */
const AUTH_RECONNECT: BackoffPolicy = { initialMs: 5_000, maxMs: 60_000 };
const QUEUE_CAPACITY = 64;
const MAX_BUFFERED_BYTES = 1_048_576;
const MAX_UNANSWERED_PINGS = 8;
/** A connection that stayed open this long resets the back-off. */
export const STABLE_MS = 5_000;

export class VoterSocket implements VoterPort {
  private ws: WebSocket | null = null;
  private state: VoterSocketState = 'waiting';
  private attempts = 0;
  private authFailures = 0;
  private openedAtMs = 0;
  private lastHeardMs = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private livenessTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly queue = new OutboundQueue(QUEUE_CAPACITY);
  /** Send times of lease pings not yet answered, oldest first. */
  private readonly pings: number[] = [];
  private stopped = false;

  constructor(private readonly options: VoterSocketOptions) {}

  get status(): VoterSocketState {
    return this.state;
  }

  get consecutiveAuthFailures(): number {
    return this.authFailures;
  }

  start(): void {
    this.connect();
  }

  /** Send now, or queue while the socket is congested; a closed socket drops (the core resends hello on connect). */
  send(message: AgentMessage): void {
    const ws = this.ws;
    if (ws === null || this.state !== 'open') return;
    const text = JSON.stringify(message);
    if (this.queue.length === 0 && ws.bufferedAmount < MAX_BUFFERED_BYTES) {
      ws.send(text);
      return;
    }
    if (this.queue.push(message, text) > 0) this.options.onDropped();
    this.scheduleFlush();
  }

  /** LEASE_PING as a text frame; the voter's runtime answers LEASE_PONG without waking the voter. */
  leasePing(sentAtMs: number): void {
    const ws = this.ws;
    if (ws === null || this.state !== 'open') return;
    ws.send(LEASE_PING);
    this.pings.push(sentAtMs);
    if (this.pings.length > MAX_UNANSWERED_PINGS) this.pings.shift();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    this.state = 'closed';
    if (ws === null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1001, 'agent shutting down');
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const { url, token, agentId, logger } = this.options;
    this.state = 'connecting';
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${token}`, 'x-edge-sentinel-agent': agentId },
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES * 2,
      followRedirects: false,
    });
    this.ws = ws;
    let authStatus: number | null = null;
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      if (status === 401 || status === 403) authStatus = status;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 500) body += chunk;
      });
      res.on('end', () => {
        logger.warn(
          { status, body: body.slice(0, 500) },
          `coordinator refused the WebSocket upgrade (HTTP ${status})`,
        );
        ws.terminate();
      });
    });
    ws.on('open', () => {
      this.state = 'open';
      this.authFailures = 0;
      this.openedAtMs = this.options.clock.nowMs();
      this.lastHeardMs = this.openedAtMs;
      this.pings.length = 0;
      logger.info('voter link open');
      this.startLiveness(ws);
      this.options.onOpen();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data, isBinary));
    ws.on('pong', () => {
      this.lastHeardMs = this.options.clock.nowMs();
    });
    ws.on('error', (error: Error) => {
      logger.debug({ err: error.message }, 'voter socket error');
    });
    ws.on('close', (code: number, reason: Buffer) =>
      this.onSocketClosed(ws, code, reason.toString('utf8'), authStatus),
    );
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    this.lastHeardMs = this.options.clock.nowMs();
    const text = isBinary
      ? null
      : Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.concat(data as Buffer[]).toString('utf8');
    if (text === null) {
      this.options.logger.warn('binary frame from voter ignored');
      this.options.onBadFrame();
      return;
    }
    if (text === LEASE_PONG) {
      const sentAtMs = this.pings.shift();
      if (sentAtMs !== undefined) this.options.onLeasePong(sentAtMs);
      return;
    }
    const decoded = decodeVoterMessage(text);
    if (!decoded.ok) {
      this.options.logger.warn(
        { error: decoded.error, frame: text.slice(0, 200) },
        'undecodable frame from voter ignored',
      );
      this.options.onBadFrame();
      return;
    }
    if (decoded.message.voter !== this.options.voter) {
      this.options.logger.warn(
        { claimed: decoded.message.voter },
        'frame names another voter index than this socket: ignored',
      );
      this.options.onBadFrame();
      return;
    }
    this.options.onMessage(decoded.message);
  }

  private onSocketClosed(ws: WebSocket, code: number, reason: string, authStatus: number | null): void {
    if (this.ws !== ws) return;
    this.ws = null;
    const wasOpen = this.state === 'open';
    this.clearTimers();
    this.queue.clear();
    this.pings.length = 0;
    if (wasOpen) this.options.onClose();
    if (this.stopped) {
      this.state = 'closed';
      return;
    }
    const now = this.options.clock.nowMs();
    if (wasOpen && now - this.openedAtMs >= STABLE_MS) this.attempts = 0;
    let policy = this.options.reconnect ?? DEFAULT_RECONNECT;
    if (authStatus !== null) {
      this.authFailures++;
      this.options.onAuthFailure(authStatus);
      policy = AUTH_RECONNECT;
    }
    const delayMs = backoffDelayMs(policy, this.attempts++, Math.random);
    this.state = 'waiting';
    if (authStatus !== null) {
      this.options.logger.error(
        { status: authStatus, consecutive: this.authFailures, retryInMs: delayMs },
        `the coordinator refused this agent's token (HTTP ${authStatus}): check the group's token (npx edge-sentinel token) and the Worker's AGENT_SECRET; retrying`,
      );
    } else {
      this.options.logger.info(
        { code, reason, retryInMs: delayMs },
        wasOpen ? 'voter link closed; reconnecting' : 'voter link failed; retrying',
      );
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delayMs);
  }

  /** Protocol-level ping: the Workers runtime answers it without waking the voter. */
  private startLiveness(ws: WebSocket): void {
    const periodMs = this.options.livenessIntervalMs ?? 5_000;
    this.livenessTimer = setInterval(() => {
      const silentMs = this.options.clock.nowMs() - this.lastHeardMs;
      if (silentMs > periodMs * 3) {
        this.options.logger.warn({ silentMs }, 'voter link silent too long: closing it');
        ws.terminate();
        return;
      }
      ws.ping();
    }, periodMs);
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      const ws = this.ws;
      if (ws === null || this.state !== 'open') return;
      while (this.queue.length > 0 && ws.bufferedAmount < MAX_BUFFERED_BYTES) {
        const text = this.queue.shift();
        if (text !== undefined) ws.send(text);
      }
      if (this.queue.length > 0) this.scheduleFlush();
    }, 50);
  }

  private clearTimers(): void {
    for (const timer of [this.retryTimer, this.livenessTimer, this.flushTimer]) {
      if (timer !== null) {
        clearTimeout(timer);
        clearInterval(timer);
      }
    }
    this.retryTimer = null;
    this.livenessTimer = null;
    this.flushTimer = null;
  }
}
