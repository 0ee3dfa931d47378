// Fuzzing the Sentinel port's request parser: valid pipelines in random chunks parse to what was sent;
// hostile bytes never throw, end in a protocol error or a wait for more bytes, and stay within the limits.
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, RequestParser } from '../../agent/sentinel/request-parser.js';
import { randomChunks } from './generators.js';
import { type FuzzCase, fuzzSettings, runFuzz } from './harness.js';
import { referenceParse } from './reference-resp.js';
import { damagedSegment, hostileSegment, type Segment, validSegment } from './resp-streams.js';

const FILE = 'test/fuzz/request-parser.test.ts';
const settings = fuzzSettings(process.env);

interface Fed {
  readonly requests: string[][];
  readonly error: string | null;
  /** The most bytes the parser held after any feed. */
  readonly maxBuffered: number;
}

function feedAll(parser: RequestParser, chunks: readonly Uint8Array[]): Fed {
  const requests: string[][] = [];
  let maxBuffered = 0;
  for (const chunk of chunks) {
    let out = parser.feed(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    for (;;) {
      requests.push(...out.requests);
      if (out.error !== null) return { requests, error: out.error, maxBuffered };
      // Before AUTH the parser hands over one request at a time (the connection resumes it at
      // once); what it holds between chunks is what the bound is about.
      if (!out.more) break;
      out = parser.resume();
    }
    maxBuffered = Math.max(maxBuffered, parser.buffered);
  }
  return { requests, error: null, maxBuffered };
}

/** What the parser may hold between feeds: one unfinished line, or one bulk string and its header. */
function bufferBound(maxBulkBytes: number): number {
  return Math.max(MAX_LINE_BYTES + 1, maxBulkBytes + 64);
}

/** Oversized lines are refused as soon as the bytes seen prove it, so that error depends on chunking. */
const TOO_BIG = /^too big /;

function sameError(a: string | null, b: string | null): boolean {
  if (a === b) return true;
  return a !== null && b !== null && (TOO_BIG.test(a) || TOO_BIG.test(b));
}

/** Line ends enough to finish any bulk string; above 64 KiB, one long line instead (cheaper, ends in an error). */
function flushBytes(maxBulkBytes: number): Buffer {
  if (maxBulkBytes > 64 * 1024) return Buffer.from(`\r\n${'x'.repeat(maxBulkBytes + 64)}\r\nPING\r\n`);
  return Buffer.from(`${'\r\n'.repeat(Math.ceil((maxBulkBytes + 64) / 2))}PING\r\n`);
}

function pipeline(c: FuzzCase, authenticated: boolean, maxBulkBytes: number): Segment[] {
  return Array.from({ length: c.rng.int(1, 12) }, () => validSegment(c.rng, authenticated, maxBulkBytes));
}

describe('fuzz: Sentinel request parser', () => {
  it('request-parser/valid-chunks: valid pipelines split at random chunk boundaries parse to the requests sent', async () => {
    const target = { name: 'request-parser/valid-chunks', file: FILE, runs: 600, caseTimeoutMs: 2000 };
    await runFuzz(target, settings, (c) => {
      const authenticated = c.rng.chance(0.6);
      const maxBulkBytes = c.rng.pick([64 * 1024, 1024 * 1024]);
      const segments = pipeline(c, authenticated, maxBulkBytes);
      const bytes = Buffer.concat(segments.map((s) => s.bytes));
      const chunks = randomChunks(c.rng, bytes, 40);
      c.note('authenticated', authenticated);
      c.note('bytes', bytes.toString('latin1'));
      c.note(
        'chunk sizes',
        chunks.map((ch) => ch.length),
      );
      const parser = new RequestParser(maxBulkBytes, () => authenticated);
      const fed = feedAll(parser, chunks);
      expect(fed.error).toBeNull();
      expect(fed.requests).toEqual(segments.flatMap((s) => s.requests));
      expect(parser.buffered).toBe(0);
    });
  });

  it('request-parser/hostile: hostile bytes: as the reference model reads them, in any chunking, within bounds, never stuck', async () => {
    const target = { name: 'request-parser/hostile', file: FILE, runs: 1000, caseTimeoutMs: 2000 };
    await runFuzz(target, settings, (c) => {
      const authenticated = c.rng.chance(0.5);
      // A 1 MiB limit makes the final flush long: drawn less often.
      const maxBulkBytes = c.rng.weighted([
        [6, 1024],
        [2, 64 * 1024],
        [1, 1024 * 1024],
      ] as const);
      // Valid requests, then damage at a known place, then anything.
      const before = pipeline(c, authenticated, maxBulkBytes).slice(0, c.rng.int(0, 4));
      const victim = validSegment(c.rng, authenticated, maxBulkBytes);
      const hostile = Array.from({ length: c.rng.int(1, 3) }, () =>
        c.rng.chance(0.6) ? hostileSegment(c.rng, maxBulkBytes) : damagedSegment(c.rng, victim),
      );
      const after = pipeline(c, authenticated, maxBulkBytes).slice(0, c.rng.int(0, 3));
      const bytes = Buffer.concat([...before.map((s) => s.bytes), ...hostile, ...after.map((s) => s.bytes)]);
      // Enough line ends to finish any line and any bulk string: waiting is never a dead end.
      const flush = flushBytes(maxBulkBytes);
      const all = Buffer.concat([bytes, flush]);
      c.note('authenticated', authenticated);
      c.note('maxBulkBytes', maxBulkBytes);
      c.note('bytes', bytes.toString('latin1'));
      const expected = referenceParse(all, maxBulkBytes, authenticated);
      const whole = feedAll(new RequestParser(maxBulkBytes, () => authenticated), [all]);
      expect({ requests: whole.requests, error: whole.error }).toEqual(expected);
      // What came before the damage parses exactly as sent.
      const sent = before.flatMap((s) => s.requests);
      expect(whole.requests.slice(0, sent.length)).toEqual(sent);
      const parser = new RequestParser(maxBulkBytes, () => authenticated);
      const chunks = [...randomChunks(c.rng, bytes, 30), flush];
      c.note(
        'chunk sizes',
        chunks.map((ch) => ch.length),
      );
      const split = feedAll(parser, chunks);
      expect(split.requests).toEqual(whole.requests);
      expect(sameError(split.error, whole.error), `${split.error} vs ${whole.error}`).toBe(true);
      expect(split.maxBuffered).toBeLessThanOrEqual(bufferBound(maxBulkBytes));
      if (split.error === null) expect(split.requests.at(-1)).toEqual(['PING']);
    });
  });
});
