// Size-bounded, validated decoding of wire messages: a bad message is a value, never a throw.
import type { z } from 'zod';
import { AgentMessageSchema } from './agent-messages.js';
import { MAX_MESSAGE_BYTES } from './common.js';
import { PeerMessageSchema } from './peer-messages.js';
import { VoterMessageSchema } from './voter-messages.js';

export type Decoded<T> = { ok: true; message: T } | { ok: false; error: string };

const encoder = new TextEncoder();

export function decodeWith<S extends z.ZodType>(schema: S, text: string): Decoded<z.infer<S>> {
  // Length in UTF-16 units bounds the byte length from below, so most oversized input stops here.
  if (text.length > MAX_MESSAGE_BYTES || encoder.encode(text).length > MAX_MESSAGE_BYTES) {
    return { ok: false, error: `message too large: limit is ${MAX_MESSAGE_BYTES} bytes` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'message is not valid JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error) };
  return { ok: true, message: parsed.data };
}

/** One line naming each bad field, e.g. `views.0.node: expected "host:port"`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
}

export const decodeAgentMessage = (text: string) => decodeWith(AgentMessageSchema, text);
export const decodeVoterMessage = (text: string) => decodeWith(VoterMessageSchema, text);
export const decodePeerMessage = (text: string) => decodeWith(PeerMessageSchema, text);
