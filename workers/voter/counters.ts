// What one voter counts for the bill (README.md "Performance"): kept in memory, saved only with other writes.
import { z } from 'zod';
import type { VoterCounters } from './contract.js';

export const CountersSchema = z.strictObject({
  requests: z.number().int().min(0),
  rpcCalls: z.number().int().min(0),
  wsMessagesIn: z.number().int().min(0),
  wsMessagesOut: z.number().int().min(0),
  rowsWritten: z.number().int().min(0),
  alarms: z.number().int().min(0),
  webhookAttempts: z.number().int().min(0),
  webhookFailures: z.number().int().min(0),
  sinkCalls: z.number().int().min(0),
  sinkFailures: z.number().int().min(0),
});

export type MutableCounters = { -readonly [K in keyof Required<VoterCounters>]: number };

export function zeroCounters(): MutableCounters {
  return {
    requests: 0,
    rpcCalls: 0,
    wsMessagesIn: 0,
    wsMessagesOut: 0,
    rowsWritten: 0,
    alarms: 0,
    webhookAttempts: 0,
    webhookFailures: 0,
    sinkCalls: 0,
    sinkFailures: 0,
  };
}

/** Counters stored by an older version may lack newer fields: those start at zero. */
export function parseCounters(json: string | null): MutableCounters {
  if (json === null) return zeroCounters();
  const parsed = CountersSchema.partial().safeParse(JSON.parse(json));
  return parsed.success ? { ...zeroCounters(), ...parsed.data } : zeroCounters();
}
