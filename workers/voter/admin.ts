// Operator actions at the voter: their validation. Refusing one, and why, is the core's (core/admin.ts).
import { z } from 'zod';
import type { AdminAction } from '../core/types.js';
import { HandoffTimeoutMsSchema, NodeIdSchema } from '../protocol/index.js';

export const AdminActionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('failover'), target: NodeIdSchema.nullable() }),
  z.strictObject({
    kind: z.literal('switchover'),
    target: NodeIdSchema.nullable(),
    timeoutMs: HandoffTimeoutMsSchema.nullable(),
  }),
  z.strictObject({ kind: z.literal('pause') }),
  z.strictObject({ kind: z.literal('resume') }),
  z.strictObject({ kind: z.literal('reset') }),
]) satisfies z.ZodType<AdminAction>;
