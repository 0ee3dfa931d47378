// The one owner of the local nodes' write fences: deadlines in, CONFIG SET out, outliving the agent that set them.
import { z } from 'zod';
import { NodeIdSchema } from '../../workers/protocol/index.js';
import { RENAMABLE_COMMANDS, RenamedNameSchema } from '../config/rename-commands.js';
import type { Clock } from './clock.js';
import { type FenceConnection, NodeFence } from './fence.js';
import type { Logger } from './logger.js';
import type { Timers } from './timers.js';

/**
 * Where a fence connects, and the unfenced `min-replicas-to-write` to restore (absent: learned
 * from the node). Sent by the agent to its supervisor at start, so the supervisor needs no config.
 */
export const FenceTargetSchema = z.strictObject({
  node: NodeIdSchema,
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  username: z.string().min(1).max(256).optional(),
  password: z.string().min(1).max(1024).optional(),
  tls: z
    .strictObject({
      ca: z.string().optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      servername: z.string().optional(),
      rejectUnauthorized: z.boolean(),
    })
    .optional(),
  minReplicasToWrite: z.number().int().min(0).max(1_000_000).optional(),
  /** The group's renamed commands: the fence sends CONFIG and CLIENT under these names. */
  renameCommands: z.partialRecord(z.enum(RENAMABLE_COMMANDS), RenamedNameSchema).optional(),
});
export type FenceTarget = z.infer<typeof FenceTargetSchema>;

export type AppliedFence = 'fenced' | 'unfenced' | 'unknown';

export type AppliedListener = (node: string, state: AppliedFence) => void;

/** What the agent's runner needs of the fence: hand over deadlines, read back their effect. */
export interface FencePort {
  /**
   * The nodes this agent fences and how to reach them; before any `set`. Resolves with the
   * deadlines the owner already enforces (left by this agent's previous process), by node.
   */
  configure(targets: readonly FenceTarget[]): Promise<ReadonlyMap<string, number>>;
  /**
   * A core `fence` effect: writes allowed until `writableUntilMs` (agent clock); null = no fence.
   * `runId`: the Redis process the agent judged; writes stay refused on any other (null: any).
   */
  set(node: string, writableUntilMs: number | null, runId: string | null): void;
  /** Whether writes should be refused now by the deadline last set (what INFO reports as fenced). */
  fencedNow(node: string): boolean;
  /** What the owner last applied on Redis, for health and metrics. */
  applied(node: string): AppliedFence;
  /** Called whenever the owner applied a fence or an unfence. */
  subscribe(listener: AppliedListener): void;
  close(): void;
}

/**
 * Changing how a fence reaches its node while it runs (SENTINEL SET auth-pass / auth-user /
 * rename-command, SIGHUP): the connection drops and reconnects with the new target, and the fence
 * is applied again on it. The deadline is kept.
 */
export interface FenceRetargeting {
  retarget(target: FenceTarget): void;
}

/** A live connection for one fence; `onReady` must be called whenever it (re)connects. */
export interface OwnedConnection extends FenceConnection {
  start(onReady: () => void): void;
  close(): void;
  /** Reconnect to the node with a new target (credentials, renamed commands); absent: cannot. */
  retarget?(target: FenceTarget): void;
}

export interface FenceOwnerDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly connect: (target: FenceTarget) => OwnedConnection;
}

/**
 * Holds a NodeFence per local node. The owner lives in the agent's supervisor (a separate
 * process), so a fence deadline the agent handed over is enforced when the deadline passes even
 * if the agent has died, is stopped or its event loop hangs: the dead-man switch.
 */
export class FenceOwner implements FencePort, FenceRetargeting {
  private readonly fences = new Map<string, { fence: NodeFence; connection: OwnedConnection }>();
  private readonly listeners: AppliedListener[] = [];

  constructor(private readonly deps: FenceOwnerDeps) {}

  subscribe(listener: AppliedListener): void {
    this.listeners.push(listener);
  }

  /**
   * (Re)declares the targets; a known node keeps its fence and its deadline, a new one is connected.
   * Resolves with the deadlines already held for them (none when the owner runs in the agent itself).
   */
  configure(targets: readonly FenceTarget[]): Promise<ReadonlyMap<string, number>> {
    const held = new Map<string, number>();
    for (const target of targets) {
      const deadline = this.fences.get(target.node)?.fence.deadline;
      if (typeof deadline === 'number') held.set(target.node, deadline);
    }
    for (const target of targets) {
      if (this.fences.has(target.node)) continue;
      const { clock, timers, logger } = this.deps;
      const connection = this.deps.connect(target);
      const fence = new NodeFence(
        target.node,
        connection,
        clock,
        timers,
        logger,
        target.minReplicasToWrite,
        ({ node, fenced }) => {
          for (const listener of this.listeners) listener(node, fenced ? 'fenced' : 'unfenced');
        },
      );
      this.fences.set(target.node, { fence, connection });
      connection.start(() => fence.onReady());
    }
    return Promise.resolve(held);
  }

  /** New credentials or command names for a node's fence connection (see FenceRetargeting). */
  retarget(target: FenceTarget): void {
    const entry = this.fences.get(target.node);
    if (entry === undefined) {
      this.deps.logger.error(
        { node: target.node },
        'new fence target for a node that was never configured: ignored',
      );
      return;
    }
    entry.connection.retarget?.(target);
  }

  set(node: string, writableUntilMs: number | null, runId: string | null): void {
    const entry = this.fences.get(node);
    if (entry === undefined) {
      this.deps.logger.error({ node }, 'fence deadline for a node that was never configured: ignored');
      return;
    }
    entry.fence.set(writableUntilMs, runId);
  }

  fencedNow(node: string): boolean {
    return this.fences.get(node)?.fence.fencedNow() ?? true;
  }

  applied(node: string): AppliedFence {
    return this.fences.get(node)?.fence.appliedState ?? 'unknown';
  }

  /** What the owner enforces for `node`: its deadline (undefined before any) and what is applied. */
  current(node: string): { node: string; writableUntilMs?: number | null; applied: AppliedFence } {
    const fence = this.fences.get(node)?.fence;
    const deadline = fence?.deadline;
    return {
      node,
      ...(deadline === undefined ? {} : { writableUntilMs: deadline }),
      applied: this.applied(node),
    };
  }

  /**
   * The latest deadline over the nodes that have one (undefined: none has). A node without a fence
   * (null: fencing is off for it) has nothing to wait for, and must not hide the deadlines of the others.
   */
  lastDeadlineMs(): number | undefined {
    let last: number | undefined;
    for (const { fence } of this.fences.values()) {
      const deadline = fence.deadline;
      if (deadline === undefined || deadline === null) continue;
      last = last === undefined ? deadline : Math.max(last, deadline);
    }
    return last;
  }

  /** Every fence applied now, whatever the deadlines say (the agent cannot run, or is told to stop). */
  fenceAllNow(): void {
    for (const { fence } of this.fences.values()) fence.set(0);
  }

  /** Every node whose deadline has passed is fenced on Redis (a node given no deadline is left as it is). */
  allSettled(): boolean {
    for (const { fence } of this.fences.values()) {
      if (fence.deadline === undefined) continue;
      if (fence.fencedNow() && fence.appliedState !== 'fenced') return false;
    }
    return true;
  }

  close(): void {
    for (const { fence, connection } of this.fences.values()) {
      fence.close();
      connection.close();
    }
    this.fences.clear();
  }
}
