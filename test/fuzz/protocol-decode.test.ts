// Fuzzing the WebSocket messages' decoding (workers/protocol/decode.ts and its zod schemas): valid
// messages round-trip; random, mutated, oversized and deep input is a refusal naming why, never a throw.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { errorNotice } from '../../workers/core/messages.js';
import {
  AgentMessageSchema,
  type Decoded,
  decodeAgentMessage,
  decodePeerMessage,
  decodeVoterMessage,
  MAX_MESSAGE_BYTES,
  PeerMessageSchema,
  VoterMessageSchema,
} from '../../workers/protocol/index.js';
import type { Rng } from '../sim/rng.js';
import {
  anyText,
  deepArray,
  deepObject,
  type Json,
  mutateJson,
  mutateText,
  randomJson,
} from './generators.js';
import { fuzzSettings, runFuzz } from './harness.js';
import { agentMessage, peerMessage, voterMessage } from './protocol-messages.js';

const FILE = 'test/fuzz/protocol-decode.test.ts';
const settings = fuzzSettings(process.env);
const encoder = new TextEncoder();
const TOO_LARGE = `message too large: limit is ${MAX_MESSAGE_BYTES} bytes`;
/** One decode of at most 64 KiB: JSON.parse and zod take a few milliseconds; this bound is generous for CI. */
const DECODE_BOUND_MS = 250;

interface Wire {
  readonly name: string;
  readonly decode: (text: string) => Decoded<unknown>;
  readonly schema: z.ZodType;
  readonly valid: (rng: Rng) => Json;
  /** Fields that hold objects or arrays: a deep value there must be refused, naming the field. */
  readonly nested: readonly string[];
}

const WIRES: readonly Wire[] = [
  {
    name: 'agent',
    decode: decodeAgentMessage,
    schema: AgentMessageSchema,
    valid: (rng) => agentMessage(rng) as Json,
    nested: ['localNodes', 'views', 'sentinel'],
  },
  {
    name: 'voter',
    decode: decodeVoterMessage,
    schema: VoterMessageSchema,
    valid: (rng) => voterMessage(rng) as Json,
    nested: ['settings', 'config'],
  },
  {
    name: 'peer',
    decode: decodePeerMessage,
    schema: PeerMessageSchema,
    valid: (rng) => peerMessage(rng) as Json,
    nested: ['config', 'accepted', 'committed'],
  },
];

function timed(wire: Wire, text: string): Decoded<unknown> {
  const started = performance.now();
  const decoded = wire.decode(text);
  const tookMs = performance.now() - started;
  expect(tookMs, `${wire.name} decode of ${text.length} chars took ${tookMs.toFixed(0)} ms`).toBeLessThan(
    DECODE_BOUND_MS,
  );
  return decoded;
}

/** `message` as JSON with `field` set to the JSON text `value`. */
function withField(message: Json, field: string, value: string): string {
  const placeholder = '\u0000deep-value\u0000';
  const text = JSON.stringify({ ...(message as object), [field]: placeholder });
  return text.replace(JSON.stringify(placeholder), () => value);
}

/** Hostile text: random JSON, a damaged valid message, garbage, deep or oversized input. */
function hostileText(rng: Rng, wire: Wire): string {
  const valid = wire.valid(rng);
  return rng.weighted<() => string>([
    [3, () => JSON.stringify(randomJson(rng, 4))],
    [
      6,
      () =>
        JSON.stringify(Array.from({ length: rng.int(1, 3) }).reduce<Json>((m) => mutateJson(rng, m), valid)),
    ],
    [3, () => mutateText(rng, JSON.stringify(valid), rng.int(1, 4))],
    [1, () => anyText(rng, 200)],
    [1, () => JSON.stringify(valid).slice(0, rng.int(0, JSON.stringify(valid).length))],
    [1, () => (rng.chance(0.5) ? deepArray(rng.int(1, 40_000)) : deepObject(rng.int(1, 12_000)))],
    [1, () => `${JSON.stringify(valid)}${' '.repeat(MAX_MESSAGE_BYTES)}`],
    // Under the limit in UTF-16 units, over it in UTF-8 bytes.
    [1, () => JSON.stringify({ ...(valid as object), pad: '\u00e9'.repeat(MAX_MESSAGE_BYTES / 2 + 10) })],
    // Deep values spliced in as text: building them as objects would overflow the generator's own stack.
    [1, () => withField(valid, rng.pick(wire.nested), deepArray(rng.int(2, 20_000)))],
    [1, () => withField(valid, 'extra', deepObject(rng.int(2, 8_000)))],
  ])();
}

describe('fuzz: WebSocket message decoding', () => {
  it('protocol/valid-round-trip: valid messages of every kind round-trip, or are refused as too large', async () => {
    const target = { name: 'protocol/valid-round-trip', file: FILE, runs: 1500, caseTimeoutMs: 1000 };
    let tooLarge = 0;
    await runFuzz(target, settings, (c) => {
      const wire = c.rng.pick(WIRES);
      const message = wire.valid(c.rng);
      const text = JSON.stringify(message);
      c.note(wire.name, message);
      const decoded = timed(wire, text);
      if (encoder.encode(text).length > MAX_MESSAGE_BYTES) {
        tooLarge++;
        expect(decoded).toEqual({ ok: false, error: TOO_LARGE });
        return;
      }
      expect(decoded).toEqual({ ok: true, message });
    });
    console.log(`protocol/valid-round-trip: ${tooLarge} valid messages were over ${MAX_MESSAGE_BYTES} bytes`);
  });

  it('protocol/hostile: hostile text is refused with a reason (too large, not JSON, or the bad field), never thrown', async () => {
    const target = { name: 'protocol/hostile', file: FILE, runs: 2500, caseTimeoutMs: 1000 };
    const outcomes = { tooLarge: 0, notJson: 0, badField: 0, accepted: 0 };
    await runFuzz(target, settings, (c) => {
      const wire = c.rng.pick(WIRES);
      const text = hostileText(c.rng, wire);
      c.note(wire.name, text);
      const decoded = timed(wire, text);
      if (encoder.encode(text).length > MAX_MESSAGE_BYTES) {
        expect(decoded).toEqual({ ok: false, error: TOO_LARGE });
        outcomes.tooLarge++;
        return;
      }
      if (!decoded.ok) {
        if (decoded.error === 'message is not valid JSON') outcomes.notJson++;
        else outcomes.badField++;
        expect(decoded.error).toMatch(/^(message is not valid JSON|[^\s:]+: .+)/);
        // The voter can always tell the agent why: the refusal fits in an error notice.
        const notice = JSON.stringify(errorNotice('g', 0, decoded.error));
        expect(decodeVoterMessage(notice).ok, notice).toBe(true);
        return;
      }
      // Accepted: it is a message of the schema, and it round-trips (unknown fields are dropped).
      expect(wire.schema.safeParse(decoded.message).success).toBe(true);
      expect(wire.decode(JSON.stringify(decoded.message))).toEqual(decoded);
      outcomes.accepted++;
    });
    console.log(`protocol/hostile outcomes: ${JSON.stringify(outcomes)}`);
  });

  it('a deep value in a field that holds one is refused naming that field', () => {
    for (const wire of WIRES) {
      for (const field of wire.nested) {
        const text = `{"v":1,"kind":"x","${field}":${deepArray(20_000)}}`;
        const decoded = wire.decode(text);
        expect(decoded.ok).toBe(false);
        expect(decoded.ok ? '' : decoded.error).toMatch(/^(kind|[a-z]+): /);
      }
    }
  });
});
