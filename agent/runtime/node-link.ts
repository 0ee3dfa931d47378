// One ioredis connection per node: PING probes, INFO, and the commands the executor and the fence send.
import { Redis } from 'ioredis';
import type { ProbeOutcome } from '../core/index.js';
import { errorText } from './errors.js';
import type { Logger } from './logger.js';
import type { CommandResult, NodeCommands } from './node-commands.js';
import { type NodeEndpoint, redisOptions } from './redis-options.js';

/** Reply texts Sentinel counts as "alive" besides PONG. */
function outcomeOfError(message: string): ProbeOutcome {
  if (message.startsWith('LOADING')) return 'loading';
  if (message.startsWith('MASTERDOWN')) return 'masterdown';
  if (message === 'Command timed out') return 'timeout';
  return 'error';
}

export { errorText };

/**
 * A single connection carries everything for its node: probes, INFO and admin commands. Being
 * the connection that sends `CLIENT KILL TYPE normal` (SKIPME yes, the default), it is never
 * killed by its own role change, so probing goes on undisturbed.
 */
export class NodeLink implements NodeCommands {
  private readonly redis: Redis;
  private infoSections: readonly string[] = ['server', 'replication', 'keyspace'];
  private closed = false;

  constructor(
    readonly node: string,
    endpoint: NodeEndpoint,
    probeTimeoutMs: number,
    connectionName: string,
    private readonly logger: Logger,
    onReady: () => void,
  ) {
    this.redis = new Redis(redisOptions(endpoint, probeTimeoutMs, connectionName));
    let down = false;
    this.redis.on('ready', () => {
      if (down) logger.info({ node }, 'connection to node re-established');
      down = false;
      onReady();
    });
    this.redis.on('error', (error: Error) => {
      // ioredis reports every failed reconnect; log the first of a series only.
      if (!down)
        logger.warn({ node, err: error.message }, 'connection to node failed; reconnecting with back-off');
      down = true;
    });
    this.redis.on('close', () => {
      if (!down && !this.closed) logger.warn({ node }, 'connection to node closed; reconnecting');
      down = true;
    });
  }

  start(): void {
    this.redis.connect().catch(() => {
      // The retry strategy reconnects; the error event has logged it.
    });
  }

  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /** PING, classified as the core expects. Never rejects. */
  async probe(): Promise<ProbeOutcome> {
    try {
      const reply = await this.redis.call('PING');
      return reply === 'PONG' ? 'pong' : 'error';
    } catch (error) {
      return outcomeOfError(errorText(error));
    }
  }

  /** INFO server replication keyspace (one call on Redis >= 7, plain INFO on older). Never rejects. */
  async info(): Promise<string | null> {
    try {
      const reply = await this.redis.call('INFO', [...this.infoSections]);
      return typeof reply === 'string' ? reply : null;
    } catch (error) {
      const text = errorText(error);
      if (this.infoSections.length > 0 && /syntax|wrong number/i.test(text)) {
        this.logger.info({ node: this.node }, 'node takes one INFO section at a time: using plain INFO');
        this.infoSections = [];
        return this.info();
      }
      return null;
    }
  }

  /** One command; rejects with the Redis error. */
  command(name: string, args: readonly (string | number)[] = []): Promise<unknown> {
    return this.redis.call(name, [...args]);
  }

  /** MULTI ... EXEC; resolves with each command's error text or reply, rejects if EXEC itself fails. */
  async transaction(commands: readonly (readonly (string | number)[])[]): Promise<CommandResult[]> {
    const result = await this.redis.multi(commands.map((c) => ['call', ...c])).exec();
    if (result === null) throw new Error('EXEC aborted');
    return result.map(([error, reply]) => ({ error: error === null ? null : errorText(error), reply }));
  }

  /**
   * While a hand-off waits, asks this replica every `everyMs` to acknowledge its replication
   * offset to its master now. FAILOVER waits, with writes paused, until the target's acknowledged
   * offset reaches the master's, and a paused master asks for no acknowledgement: left alone, the
   * replica's once-a-second REPLCONF ACK would set the write pause. REPLCONF GETACK has no reply,
   * so it goes on a connection of its own, dropped (with its unanswered requests) by the stopper.
   */
  requestAcks(everyMs: number): () => void {
    const poke = this.redis.duplicate({ connectionName: `${this.redis.options.connectionName}-getack` });
    let timer: ReturnType<typeof setInterval> | undefined;
    let stopped = false;
    const ask = () => {
      if (poke.status === 'ready') poke.call('REPLCONF', 'GETACK', '*').catch(() => undefined);
    };
    poke
      .connect()
      .then(() => {
        if (stopped) return;
        ask();
        timer = setInterval(ask, everyMs);
      })
      .catch(() => undefined);
    return () => {
      stopped = true;
      clearInterval(timer);
      poke.disconnect(false);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.redis.status !== 'ready') {
      this.redis.disconnect(false);
      return;
    }
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect(false);
    }
  }
}
