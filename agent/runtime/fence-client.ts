// The fence's own Redis connection: one socket (TCP or TLS), RESP2 via redis-parser, AUTH on connect, reconnect with back-off.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import RedisParser from 'redis-parser';
import { backoffDelayMs } from '../../workers/protocol/index.js';
import { errorText } from './errors.js';
import type { FenceTarget, OwnedConnection } from './fence-owner.js';
import type { Logger } from './logger.js';
import { explainRefusal, nodeCommandName } from './renamed-commands.js';

/** Connect and command bound: a fence that cannot be applied is retried, never waited on. */
const TIMEOUT_MS = 500;
/** Reconnect after 50 ms, doubling to 1 s, like the agent's node links. */
const RECONNECT = { initialMs: 50, maxMs: 1000 } as const;

interface Waiter {
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Everything the fence sends is AUTH, CLIENT SETNAME and CONFIG GET/SET, so the supervisor needs
 * no general client: this one costs a few kilobytes where ioredis costs about 15 MB of RSS, in a
 * process that runs on every box. Commands are answered in order on the one socket; a command
 * unanswered within its bound drops the connection (the next one re-applies the fence).
 */
export class FenceClient implements OwnedConnection {
  private socket: Socket | null = null;
  private readonly waiting: Waiter[] = [];
  private isReady = false;
  private closed = false;
  private attempts = 0;
  private onReady: () => void = () => {};
  private down = false;

  constructor(
    private target: FenceTarget,
    private readonly connectionName: string,
    private readonly logger: Logger,
  ) {}

  get ready(): boolean {
    return this.isReady;
  }

  start(onReady: () => void): void {
    this.onReady = onReady;
    this.connect();
  }

  /** Sent under the group's name for the command; a refusal names the renaming. */
  async command(name: string, args: readonly (string | number)[]): Promise<unknown> {
    if (!this.isReady || this.socket === null) throw new Error('Connection is closed.');
    try {
      return await this.send(this.socket, [this.name(name), ...args]);
    } catch (error) {
      throw new Error(explainRefusal(this.target.renameCommands, name, errorText(error)));
    }
  }

  /**
   * New credentials or renamed commands: the connection drops and the next one (after the usual
   * back-off) uses them; the fence is applied again once it is ready. The same target changes nothing.
   */
  retarget(target: FenceTarget): void {
    if (canonical(target) === canonical(this.target)) return;
    this.target = target;
    const socket = this.socket;
    if (socket !== null) this.lost(socket, new Error('reconnecting with new credentials or command names'));
  }

  close(): void {
    this.closed = true;
    this.drop(new Error('Connection is closed.'));
  }

  private connect(): void {
    if (this.closed) return;
    const { host, port, tls } = this.target;
    const socket =
      tls === undefined
        ? netConnect({ host, port })
        : tlsConnect({
            host,
            port,
            servername: tls.servername ?? host,
            rejectUnauthorized: tls.rejectUnauthorized,
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.cert === undefined ? {} : { cert: tls.cert }),
            ...(tls.key === undefined ? {} : { key: tls.key }),
          });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.setTimeout(TIMEOUT_MS);
    const parser = new RedisParser({
      returnReply: (reply: unknown) => this.waiting.shift()?.resolve(reply),
      returnError: (error: Error) => this.waiting.shift()?.reject(error),
      returnFatalError: (error: Error) => this.lost(socket, error),
    });
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
    socket.on('timeout', () => this.lost(socket, new Error('Command timed out')));
    socket.on('error', (error) => this.lost(socket, error));
    socket.on('close', () => this.lost(socket, new Error('Connection is closed.')));
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
      void this.handshake(socket);
    });
  }

  private async handshake(socket: Socket): Promise<void> {
    const { username, password } = this.target;
    try {
      if (password !== undefined) {
        await this.send(socket, username === undefined ? ['AUTH', password] : ['AUTH', username, password]);
      }
      await this.nameConnection(socket);
    } catch (error) {
      this.lost(socket, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    // Idle is fine once connected: only pending commands are bounded (by their own timer).
    socket.setTimeout(0);
    this.isReady = true;
    this.attempts = 0;
    if (this.down) this.logger.info({ node: this.target.node }, 'fence connection to node re-established');
    this.down = false;
    this.onReady();
  }

  private name(command: string): string {
    return nodeCommandName(this.target.renameCommands, command);
  }

  /**
   * CLIENT SETNAME only labels the connection: a node that does not know CLIENT by the name sent
   * (renamed, or a wrong renameCommands entry) must not keep the fence from connecting.
   */
  private async nameConnection(socket: Socket): Promise<void> {
    try {
      await this.send(socket, [this.name('CLIENT'), 'SETNAME', this.connectionName]);
    } catch (error) {
      const text = errorText(error);
      if (!/unknown command/i.test(text)) throw error;
      this.logger.warn(
        { node: this.target.node, err: explainRefusal(this.target.renameCommands, 'CLIENT', text) },
        'fence connection left unnamed: the node refuses CLIENT SETNAME as sent',
      );
    }
  }

  private send(socket: Socket, args: readonly (string | number)[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.lost(socket, new Error('Command timed out')), TIMEOUT_MS);
      this.waiting.push({
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      socket.write(encode(args));
    });
  }

  /** The socket failed or closed: every pending command fails, and a new connection follows. */
  private lost(socket: Socket, error: Error): void {
    if (this.socket !== socket) return;
    if (!this.down && !this.closed) {
      this.logger.warn(
        { node: this.target.node, err: errorText(error) },
        'fence connection to node lost; reconnecting',
      );
    }
    this.down = true;
    this.drop(error);
    if (this.closed) return;
    const delayMs = backoffDelayMs(RECONNECT, this.attempts++, Math.random);
    setTimeout(() => this.connect(), delayMs).unref();
  }

  private drop(error: Error): void {
    this.isReady = false;
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}

/** A target as text with its keys sorted: the same target compares equal however it was built (over IPC, from the file). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A RESP2 array of bulk strings. */
function encode(args: readonly (string | number)[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) {
    const text = String(arg);
    parts.push(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
  }
  return Buffer.from(parts.join(''), 'utf8');
}
