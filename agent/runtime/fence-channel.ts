// The fence over a message channel: the agent hands deadlines to its supervisor's FenceOwner (IPC in production).
import { z } from 'zod';
import { NodeIdSchema } from '../../workers/protocol/index.js';
import { MAX_GROUPS } from '../config/schema.js';
import type { Clock } from './clock.js';
import { deadlinePassed } from './fence.js';
import {
  type AppliedFence,
  type AppliedListener,
  type FenceOwner,
  type FencePort,
  type FenceRetargeting,
  type FenceTarget,
  FenceTargetSchema,
} from './fence-owner.js';
import type { Timers } from './timers.js';

/** Set by the supervisor for its child: the agent then hands its fence deadlines over IPC. */
export const SUPERVISED_VARIABLE = 'EDGE_SENTINEL_SUPERVISED';

/**
 * Set by supervisors that take `fences` (several deadlines in one message). The supervisor forks
 * whatever agent bundle is on disk when the agent restarts, so after a rebuild an older
 * supervisor may run a newer agent: without this the agent sends one `fence` per deadline, which
 * every supervisor takes.
 */
export const FENCE_BATCHES_VARIABLE = 'EDGE_SENTINEL_FENCE_BATCHES';

const FenceDeadlineSchema = z.strictObject({
  node: NodeIdSchema,
  writableUntilMs: z.number().finite().min(0).nullable(),
  /** The Redis process the deadline is about (its run id); absent or null: any. */
  runId: z.string().min(1).max(64).nullable().optional(),
});

/** Agent -> supervisor. Deadlines are CLOCK_MONOTONIC milliseconds, the same clock in both processes. */
export const ToSupervisorSchema = z.discriminatedUnion('kind', [
  // One local node per group at most: as many as the agent file's groups.
  z.strictObject({ kind: z.literal('targets'), targets: z.array(FenceTargetSchema).max(MAX_GROUPS) }),
  /** A node's new credentials or renamed commands (SENTINEL SET, SIGHUP): its fence connection reconnects. */
  z.strictObject({ kind: z.literal('retarget'), target: FenceTargetSchema }),
  z.strictObject({ kind: z.literal('fence'), ...FenceDeadlineSchema.shape }),
  /** Each local node's newest deadline, in the order they were set: one message per turn of the agent. */
  z.strictObject({ kind: z.literal('fences'), fences: z.array(FenceDeadlineSchema).min(1).max(MAX_GROUPS) }),
]);
export type ToSupervisor = z.infer<typeof ToSupervisorSchema>;

const AppliedSchema = z.enum(['fenced', 'unfenced', 'unknown']);

/**
 * Supervisor -> agent: the answer to `targets` (what the owner already enforces for each node: a
 * restarted agent inherits it), what the owner applied since, and the request to stop gracefully
 * (instead of a signal).
 */
export const ToAgentSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('inherited'),
    fences: z
      .array(
        z.strictObject({
          node: NodeIdSchema,
          writableUntilMs: z.number().finite().min(0).nullable().optional(),
          applied: AppliedSchema,
        }),
      )
      .max(MAX_GROUPS),
  }),
  z.strictObject({ kind: z.literal('applied'), node: NodeIdSchema, state: AppliedSchema }),
  z.strictObject({ kind: z.literal('stop') }),
]);
export type ToAgent = z.infer<typeof ToAgentSchema>;

/** How long a starting agent waits for its supervisor's answer before deciding alone. */
const INHERIT_TIMEOUT_MS = 1000;

/**
 * The agent's side. It knows its own deadlines (so it reports `fenced` in INFO results exactly as
 * it decided), and learns what the owner applied from its reports.
 */
export class ChannelFence implements FencePort, FenceRetargeting {
  private readonly deadlines = new Map<string, number | null>();
  /**
   * Deadlines set in this turn, not sent yet: every group's tick renews in the same turn, and a
   * message per renewal cost the supervisor as much as the agent spent on its leases. Holding one
   * back for the rest of the turn is safe: the supervisor keeps the previous deadline meanwhile,
   * which the voters' lease (or the peers' grants) still covered when it was set.
   */
  private readonly unsent = new Map<string, { writableUntilMs: number | null; runId: string | null }>();
  private flushArmed = false;
  private readonly appliedStates = new Map<string, AppliedFence>();
  private readonly listeners: AppliedListener[] = [];
  private inheritedReply: ((deadlines: ReadonlyMap<string, number>) => void) | null = null;

  constructor(
    private readonly send: (message: ToSupervisor) => void,
    private readonly clock: Clock,
    private readonly timers: Timers,
    /** The supervisor takes `fences` (`FENCE_BATCHES_VARIABLE`); otherwise one `fence` per deadline, at once. */
    private readonly batches = true,
  ) {}

  configure(targets: readonly FenceTarget[]): Promise<ReadonlyMap<string, number>> {
    return new Promise((resolve) => {
      const cancel = this.timers.after(INHERIT_TIMEOUT_MS, () => settle(new Map()));
      const settle = (deadlines: ReadonlyMap<string, number>) => {
        cancel();
        this.inheritedReply = null;
        resolve(deadlines);
      };
      this.inheritedReply = settle;
      this.flush();
      this.send({ kind: 'targets', targets: [...targets] });
    });
  }

  retarget(target: FenceTarget): void {
    this.flush();
    this.send({ kind: 'retarget', target });
  }

  set(node: string, writableUntilMs: number | null, runId: string | null): void {
    this.deadlines.set(node, writableUntilMs);
    if (!this.batches) {
      this.send({ kind: 'fence', node, writableUntilMs, runId });
      return;
    }
    this.unsent.set(node, { writableUntilMs, runId });
    if (this.flushArmed) return;
    this.flushArmed = true;
    this.timers.after(0, () => this.flush());
  }

  /** Sends the deadlines set since the last flush, the newest per node. */
  private flush(): void {
    this.flushArmed = false;
    if (this.unsent.size === 0) return;
    const fences = [...this.unsent].map(([node, fence]) => ({ node, ...fence }));
    this.unsent.clear();
    this.send({ kind: 'fences', fences });
  }

  fencedNow(node: string): boolean {
    return deadlinePassed(this.deadlines.get(node), this.clock.nowMs());
  }

  applied(node: string): AppliedFence {
    return this.appliedStates.get(node) ?? 'unknown';
  }

  subscribe(listener: AppliedListener): void {
    this.listeners.push(listener);
  }

  /** A report from the owner. */
  receive(message: Exclude<ToAgent, { kind: 'stop' }>): void {
    if (message.kind === 'applied') {
      this.report(message.node, message.state);
      return;
    }
    const deadlines = new Map<string, number>();
    for (const fence of message.fences) {
      if (typeof fence.writableUntilMs === 'number') deadlines.set(fence.node, fence.writableUntilMs);
      if (fence.applied !== 'unknown') this.report(fence.node, fence.applied);
    }
    this.inheritedReply?.(deadlines);
  }

  private report(node: string, state: AppliedFence): void {
    this.appliedStates.set(node, state);
    for (const listener of this.listeners) listener(node, state);
  }

  close(): void {
    // The channel belongs to the process; the owner keeps enforcing the last deadlines sent.
    this.flush();
  }
}

/**
 * The supervisor's side: one validated message from the agent, applied to the owner; `targets`
 * is answered with what the owner already enforces (a restarted agent knows nothing of it, and the
 * owner reports only changes).
 */
export function serveFenceMessage(owner: FenceOwner, message: ToSupervisor): ToAgent | null {
  switch (message.kind) {
    case 'targets':
      void owner.configure(message.targets);
      return { kind: 'inherited', fences: message.targets.map(({ node }) => owner.current(node)) };
    case 'fence':
      owner.set(message.node, message.writableUntilMs, message.runId ?? null);
      return null;
    case 'fences':
      for (const fence of message.fences) owner.set(fence.node, fence.writableUntilMs, fence.runId ?? null);
      return null;
    case 'retarget':
      owner.retarget(message.target);
      return null;
  }
}
