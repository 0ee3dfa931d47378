// One ioredis connection per node: PING probes, INFO, and the commands the executor and the fence send.
import { Redis } from 'ioredis';
import type { ProbeOutcome } from '../core/index.js';
import { errorText } from './errors.js';
import type { Logger } from './logger.js';
import type { CommandResult, NodeCommands } from './node-commands.js';
import { type NodeEndpoint, redisOptions } from './redis-options.js';
import { explainRefusal, nodeCommandName } from './renamed-commands.js';

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
  /** The last refusal logged of PING or INFO, so a node refusing every probe is logged once, not ten times a second. */
  private lastRefusal: string | null = null;
  private readonly renamed: NodeEndpoint['renameCommands'];

  constructor(
    readonly node: string,
    endpoint: NodeEndpoint,
    probeTimeoutMs: number,
    private readonly connectionName: string,
    private readonly logger: Logger,
    onReady: () => void,
  ) {
    this.renamed = endpoint.renameCommands;
    this.redis = new Redis(redisOptions(endpoint, probeTimeoutMs, connectionName));
    let down = false;
    this.redis.on('ready', () => {
      if (down) logger.info({ node }, 'connection to node re-established');
      down = false;
      this.nameConnection();
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
      const reply = await this.redis.call(this.name('PING'));
      if (reply === 'PONG') this.lastRefusal = null;
      return reply === 'PONG' ? 'pong' : 'error';
    } catch (error) {
      const text = errorText(error);
      this.logRefusal('PING', text);
      return outcomeOfError(text);
    }
  }

  /** INFO server replication keyspace (one call on Redis >= 7, plain INFO on older). Never rejects. */
  async info(): Promise<string | null> {
    try {
      const reply = await this.redis.call(this.name('INFO'), [...this.infoSections]);
      return typeof reply === 'string' ? reply : null;
    } catch (error) {
      const text = errorText(error);
      if (this.infoSections.length > 0 && /syntax|wrong number/i.test(text)) {
        this.logger.info({ node: this.node }, 'node takes one INFO section at a time: using plain INFO');
        this.infoSections = [];
        return this.info();
      }
      this.logRefusal('INFO', text);
      return null;
    }
  }

  /** One command, under the group's name for it; rejects with the Redis error (naming a renaming it refused). */
  async command(name: string, args: readonly (string | number)[] = []): Promise<unknown> {
    try {
      return await this.redis.call(this.name(name), [...args]);
    } catch (error) {
      throw new Error(explainRefusal(this.renamed, name, errorText(error)));
    }
  }

  /**
   * MULTI ... EXEC, each under the group's name for it; resolves with each command's error text or
   * reply, rejects if EXEC itself fails. Sent by hand rather than with ioredis's multi(), which
   * knows MULTI and EXEC by those names only. The calls are written in one synchronous run, so no
   * probe sent on this shared connection can land inside the transaction.
   */
  async transaction(commands: readonly (readonly (string | number)[])[]): Promise<CommandResult[]> {
    const names = commands.map(([name]) => String(name));
    const sent = [
      this.redis.call(this.name('MULTI')),
      ...commands.map(([name, ...args]) => this.redis.call(this.name(String(name)), args)),
      this.redis.call(this.name('EXEC')),
    ];
    const settled = await Promise.allSettled(sent);
    const exec = settled[settled.length - 1];
    if (exec === undefined || exec.status === 'rejected') {
      // EXECABORT says only "previous errors": the first refusal says which command and name.
      const index = settled.findIndex((r) => r.status === 'rejected');
      const first = settled[index];
      const command =
        index === 0 ? 'MULTI' : index === settled.length - 1 ? 'EXEC' : (names[index - 1] ?? '');
      const text = first?.status === 'rejected' ? errorText(first.reason) : 'EXEC aborted';
      throw new Error(`${command}: ${explainRefusal(this.renamed, command, text)}`);
    }
    if (!Array.isArray(exec.value)) throw new Error('EXEC aborted');
    return exec.value.map((reply: unknown, i) =>
      reply instanceof Error
        ? { error: explainRefusal(this.renamed, names[i] ?? '', errorText(reply)), reply: null }
        : { error: null, reply },
    );
  }

  /**
   * While a hand-off waits, asks this replica every `everyMs` to acknowledge its replication
   * offset to its master now. FAILOVER waits, with writes paused, until the target's acknowledged
   * offset reaches the master's, and a paused master asks for no acknowledgement: left alone, the
   * replica's once-a-second REPLCONF ACK would set the write pause. REPLCONF GETACK has no reply,
   * so it goes on a connection of its own, dropped (with its unanswered requests) by the stopper.
   */
  requestAcks(everyMs: number): () => void {
    const named =
      this.redis.options.connectionName === undefined
        ? {}
        : { connectionName: `${this.connectionName}-getack` };
    const poke = this.redis.duplicate(named);
    let timer: ReturnType<typeof setInterval> | undefined;
    let stopped = false;
    const replconf = this.name('REPLCONF');
    const ask = () => {
      if (poke.status === 'ready') poke.call(replconf, 'GETACK', '*').catch(() => undefined);
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

  private name(command: string): string {
    return nodeCommandName(this.renamed, command);
  }

  /** With CLIENT renamed ioredis cannot name the connection (it sends CLIENT SETNAME): name it here. */
  private nameConnection(): void {
    if (this.redis.options.connectionName !== undefined) return;
    this.redis.call(this.name('CLIENT'), 'SETNAME', this.connectionName).catch((error: unknown) => {
      this.logRefusal('CLIENT', errorText(error));
    });
  }

  /**
   * A node that refuses PING or INFO under the name sent (a wrong renameCommands entry, a
   * renamed command not in it) is down for the core, which has no words for why: say it here,
   * once until the next PONG.
   */
  private logRefusal(command: string, text: string): void {
    if (!/unknown command/i.test(text) || this.lastRefusal === text) return;
    this.lastRefusal = text;
    this.logger.warn(
      {
        node: this.node,
        command,
        sentAs: this.name(command),
        err: explainRefusal(this.renamed, command, text),
      },
      command === 'PING'
        ? 'node refuses PING as sent: it counts as down (SDOWN after down-after) until it answers PONG'
        : `node refuses ${command} as sent`,
    );
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
