// The fence over a message channel: the agent hands deadlines to its supervisor's FenceOwner (IPC in production).
import { z } from 'zod';
import { NodeIdSchema } from '../../workers/protocol/index.js';
import type { Clock } from './clock.js';
import {
  type AppliedFence,
  type AppliedListener,
  type FenceOwner,
  type FencePort,
  type FenceTarget,
  FenceTargetSchema,
} from './fence-owner.js';

/** Set by the supervisor for its child: the agent then hands its fence deadlines over IPC. */
export const SUPERVISED_VARIABLE = 'EDGE_SENTINEL_SUPERVISED';

/** Agent -> supervisor. Deadlines are CLOCK_MONOTONIC milliseconds, the same clock in both processes. */
export const ToSupervisorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('targets'), targets: z.array(FenceTargetSchema).max(256) }),
  z.strictObject({
    kind: z.literal('fence'),
    node: NodeIdSchema,
    writableUntilMs: z.number().finite().min(0).nullable(),
  }),
]);
export type ToSupervisor = z.infer<typeof ToSupervisorSchema>;

/** Supervisor -> agent: what the owner applied, and the request to stop gracefully (instead of a signal). */
export const ToAgentSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('applied'),
    node: NodeIdSchema,
    state: z.enum(['fenced', 'unfenced', 'unknown']),
  }),
  z.strictObject({ kind: z.literal('stop') }),
]);
export type ToAgent = z.infer<typeof ToAgentSchema>;

/**
 * The agent's side. It knows its own deadlines (so it reports `fenced` in INFO results exactly as
 * it decided), and learns what the owner applied from its reports.
 */
export class ChannelFence implements FencePort {
  private readonly deadlines = new Map<string, number | null>();
  private readonly appliedStates = new Map<string, AppliedFence>();
  private readonly listeners: AppliedListener[] = [];

  constructor(
    private readonly send: (message: ToSupervisor) => void,
    private readonly clock: Clock,
  ) {}

  configure(targets: readonly FenceTarget[]): void {
    this.send({ kind: 'targets', targets: [...targets] });
  }

  set(node: string, writableUntilMs: number | null): void {
    this.deadlines.set(node, writableUntilMs);
    this.send({ kind: 'fence', node, writableUntilMs });
  }

  fencedNow(node: string): boolean {
    const until = this.deadlines.get(node);
    // Before the core's first word the node counts as fenced: the agent holds no lease yet.
    if (until === undefined) return true;
    return until !== null && this.clock.nowMs() >= until;
  }

  applied(node: string): AppliedFence {
    return this.appliedStates.get(node) ?? 'unknown';
  }

  subscribe(listener: AppliedListener): void {
    this.listeners.push(listener);
  }

  /** A report from the owner. */
  receive(message: Extract<ToAgent, { kind: 'applied' }>): void {
    this.appliedStates.set(message.node, message.state);
    for (const listener of this.listeners) listener(message.node, message.state);
  }

  close(): void {
    // The channel belongs to the process; the owner keeps enforcing the last deadlines.
  }
}

/** The supervisor's side: one validated message from the agent, applied to the owner. */
export function applyToOwner(owner: FenceOwner, message: ToSupervisor): void {
  switch (message.kind) {
    case 'targets':
      owner.configure(message.targets);
      return;
    case 'fence':
      owner.set(message.node, message.writableUntilMs);
      return;
  }
}
