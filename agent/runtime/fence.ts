// The write fence of one local node: `min-replicas-to-write` raised to refuse writes, and a timer for the lease end.
import { splitSections } from '../core/info-fields.js';
import type { Clock } from './clock.js';
import { errorText } from './errors.js';
import type { Logger } from './logger.js';
import type { Cancel, Timers } from './timers.js';

/**
 * The fence value: no master ever has this many replicas, so every write is refused with
 * NOREPLICAS at once, while reads, replication, REPLICAOF, FAILOVER and CONFIG still work. It
 * is also how the agent recognises its own fence on a node after an agent restart.
 */
export const FENCE_MIN_REPLICAS = 2_147_483_647;

/** Retry of a CONFIG SET that failed while the node looked connected (ACL, OOM, ...). */
const RETRY_MS = 500;

type Applied = 'fenced' | 'unfenced' | 'unknown';

export type FenceListener = (change: {
  readonly node: string;
  readonly fenced: boolean;
  readonly reason: string;
}) => void;

/**
 * Whether a deadline refuses writes at `nowMs`: before the core's first word (undefined) the node
 * counts as fenced, since the agent holds no lease yet; null means no fence.
 */
export function deadlinePassed(writableUntilMs: number | null | undefined, nowMs: number): boolean {
  if (writableUntilMs === undefined) return true;
  return writableUntilMs !== null && nowMs >= writableUntilMs;
}

/** The one connection a fence needs to its node: CONFIG GET/SET (an ioredis link, or the simulator's node). */
export interface FenceConnection {
  readonly ready: boolean;
  command(name: string, args: readonly (string | number)[]): Promise<unknown>;
}

export class NodeFence {
  /** The core's last word: null = no fence; otherwise writes allowed until this agent time. */
  private writableUntilMs: number | null | undefined = undefined;
  /** The Redis process (run id) the core's last word is about; null: whichever answers. */
  private judgedRunId: string | null = null;
  /** The run id of the process this connection reaches, read at each connect (undefined: not yet; null: not said). */
  private nodeRunId: string | null | undefined = undefined;
  private applied: Applied = 'unknown';
  private unfencedValue: number | undefined;
  private timer: Cancel | null = null;
  private running = false;
  private dirty = false;
  private closed = false;

  constructor(
    readonly node: string,
    private readonly link: FenceConnection,
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly logger: Logger,
    configuredUnfenced: number | undefined,
    private readonly onChange: FenceListener,
  ) {
    this.unfencedValue = configuredUnfenced;
  }

  /**
   * A `fence` effect. The deadline is on the agent's monotonic clock, so a timer computed from it
   * never drifts. `runId` names the process it is about: another one stays fenced whatever it says.
   */
  set(writableUntilMs: number | null, runId: string | null = null): void {
    this.writableUntilMs = writableUntilMs;
    this.judgedRunId = runId;
    this.arm();
    this.kick();
  }

  /** Whether writes should be refused right now (what INFO results report as `fenced`). */
  fencedNow(): boolean {
    return deadlinePassed(this.writableUntilMs, this.clock.nowMs()) || this.otherProcess();
  }

  /**
   * The connection (re)opened: the node may have restarted, with its own config and maybe without
   * its data, so its run id is read again and the fence applied again.
   */
  onReady(): void {
    this.applied = 'unknown';
    this.nodeRunId = undefined;
    this.kick();
  }

  /** Every tick re-checks the deadline, in case a timer fired late. Sends nothing when nothing changed. */
  onTick(): void {
    this.kick();
  }

  get appliedState(): Applied {
    return this.applied;
  }

  /** The deadline the core gave last (undefined before its first word). */
  get deadline(): number | null | undefined {
    return this.writableUntilMs;
  }

  close(): void {
    this.closed = true;
    this.timer?.();
    this.timer = null;
  }

  private arm(): void {
    this.timer?.();
    this.timer = null;
    const until = this.writableUntilMs;
    if (until === null || until === undefined || this.closed) return;
    const delayMs = until - this.clock.nowMs();
    if (delayMs <= 0) return;
    // Re-computed from the clock when it fires: a timer that fires early re-arms, one that fires late fences at once.
    this.timer = this.timers.after(delayMs, () => {
      this.timer = null;
      this.arm();
      this.kick();
    });
  }

  private kick(): void {
    if (this.closed || this.writableUntilMs === undefined) return;
    this.dirty = true;
    if (this.running) return;
    this.running = true;
    void this.sync().finally(() => {
      this.running = false;
    });
  }

  /**
   * The node is another Redis process than the one the agent's deadline is about: a restart that
   * this connection reached before the agent read it (it may have come back empty, DESIGN §1.8).
   */
  private otherProcess(): boolean {
    // Not read yet (or INFO refused) counts as another: a lease is trusted only to a known process.
    return this.judgedRunId !== null && this.nodeRunId !== null && this.nodeRunId !== this.judgedRunId;
  }

  private async sync(): Promise<void> {
    while (this.dirty && !this.closed) {
      this.dirty = false;
      if (!this.link.ready) return; // onReady will kick again.
      try {
        if (this.nodeRunId === undefined) {
          this.nodeRunId = await this.readRunId().catch((error: unknown) => {
            this.logger.warn(
              { node: this.node, err: errorText(error) },
              "reading the node's run id (INFO server) failed: fenced meanwhile, asking again",
            );
            this.timers.after(RETRY_MS, () => this.kick());
            return undefined;
          });
        }
        const want: Applied = this.fencedNow() ? 'fenced' : 'unfenced';
        if (this.applied === want) continue;
        await this.learnUnfencedValue();
        const value = want === 'fenced' ? FENCE_MIN_REPLICAS : (this.unfencedValue ?? 0);
        await this.link.command('CONFIG', ['SET', 'min-replicas-to-write', value]);
        this.applied = want;
        const reason =
          want === 'unfenced'
            ? 'the configured master holds a lease (from a majority of voters, or failsafe grants)'
            : this.otherProcess()
              ? `the node is another Redis process (run id ${this.nodeRunId ?? 'not known'}) than the one the agent judged (${this.judgedRunId}): a restart it has not read yet`
              : 'the lease ended or this node is not the configured master';
        this.logger.info({ node: this.node, minReplicasToWrite: value }, `node ${want}: ${reason}`);
        this.onChange({ node: this.node, fenced: want === 'fenced', reason });
      } catch (error) {
        this.applied = 'unknown';
        this.logger.error(
          { node: this.node, err: errorText(error) },
          'applying the write fence failed; retrying',
        );
        this.timers.after(RETRY_MS, () => this.kick());
        return;
      }
    }
  }

  /** The node's run id (INFO server), or null when its answer has none (a simulated node). */
  private async readRunId(): Promise<string | null> {
    const reply = await this.link.command('INFO', ['server']);
    const text = Buffer.isBuffer(reply) ? reply.toString('utf8') : reply;
    if (typeof text !== 'string') return null;
    // Read as the core reads the INFO it judges, so both name the same process the same way.
    const sections = splitSections(text);
    return sections.ok ? (sections.value.get('server')?.get('run_id') ?? null) : null;
  }

  /** The value to restore on unfence: the file's, or what the node had before the agent's first fence. */
  private async learnUnfencedValue(): Promise<void> {
    if (this.unfencedValue !== undefined) return;
    const reply = await this.link.command('CONFIG', ['GET', 'min-replicas-to-write']);
    const value = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
    if (Number.isInteger(value) && value !== FENCE_MIN_REPLICAS) {
      this.unfencedValue = value;
      this.logger.info(
        { node: this.node, minReplicasToWrite: value },
        'unfenced min-replicas-to-write learned from the node',
      );
    } else {
      this.unfencedValue = 0;
      this.logger.warn(
        { node: this.node },
        'the node carries the fence value already (agent restarted while fenced?): unfence will restore 0; set local.minReplicasToWrite to choose',
      );
    }
  }
}
