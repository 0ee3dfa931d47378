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

/** Agent -> supervisor. Deadlines are CLOCK_MONOTONIC milliseconds, the same clock in both processes. */
export const ToSupervisorSchema = z.discriminatedUnion('kind', [
  // One local node per group at most: as many as the agent file's groups.
  z.strictObject({ kind: z.literal('targets'), targets: z.array(FenceTargetSchema).max(MAX_GROUPS) }),
  /** A node's new credentials or renamed commands (SENTINEL SET, SIGHUP): its fence connection reconnects. */
  z.strictObject({ kind: z.literal('retarget'), target: FenceTargetSchema }),
  z.strictObject({
    kind: z.literal('fence'),
    node: NodeIdSchema,
    writableUntilMs: z.number().finite().min(0).nullable(),
    /** The Redis process the deadline is about (its run id); absent or null: any. */
    runId: z.string().min(1).max(64).nullable().optional(),
  }),
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
  private readonly appliedStates = new Map<string, AppliedFence>();
  private readonly listeners: AppliedListener[] = [];
  private inheritedReply: ((deadlines: ReadonlyMap<string, number>) => void) | null = null;

  constructor(
    private readonly send: (message: ToSupervisor) => void,
    private readonly clock: Clock,
    private readonly timers: Timers,
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
      this.send({ kind: 'targets', targets: [...targets] });
    });
  }

  retarget(target: FenceTarget): void {
    this.send({ kind: 'retarget', target });
  }

  set(node: string, writableUntilMs: number | null, runId: string | null): void {
    this.deadlines.set(node, writableUntilMs);
    this.send({ kind: 'fence', node, writableUntilMs, runId });
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
    // The channel belongs to the process; the owner keeps enforcing the last deadlines.
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
    case 'retarget':
      owner.retarget(message.target);
      return null;
  }
}
