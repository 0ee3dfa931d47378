// Client byte streams for the Sentinel port's request parser: valid pipelines (with what they must
// parse to) and hostile pieces (bad lengths, garbage headers, huge declared sizes, inline junk).
import type { Rng } from '../sim/rng.js';
import { EDGE_NUMBERS, nastyText, randomBytes } from './generators.js';

/** Before AUTH a multibulk request may have at most 10 arguments of at most 16 KiB (Redis's limits). */
export const UNAUTH_ARGS = 10;
export const UNAUTH_BULK_BYTES = 16 * 1024;

export interface Segment {
  readonly bytes: Buffer;
  /** What a parser must return for these bytes. */
  readonly requests: readonly (readonly string[])[];
}

const WORDS = ['PING', 'SENTINEL', 'get-master-addr-by-name', 'mymaster', 'AUTH', 'HELLO', 'CLIENT', 'INFO'];

/** An argument as clients send it: a word, any valid Unicode (CRLF included), empty, or long. */
function argument(rng: Rng, maxBytes: number): string {
  return rng.weighted<() => string>([
    [4, () => rng.pick(WORDS)],
    [3, () => validUnicode(rng, 16)],
    [1, () => ''],
    [1, () => '\r\n$3\r\n*1\r\n'],
    [1, () => 'x'.repeat(rng.int(0, Math.min(maxBytes, 40_000)))],
  ])();
}

/** Text that survives UTF-8 both ways: no lone surrogates. */
function validUnicode(rng: Rng, maxLength: number): string {
  let out = '';
  for (let i = rng.int(0, maxLength); i > 0; i--) {
    out += rng.weighted<() => string>([
      [6, () => String.fromCharCode(rng.int(0x20, 0x7e))],
      [1, () => String.fromCharCode(rng.int(0, 0x1f))],
      [1, () => String.fromCharCode(rng.int(0xa0, 0xd7ff))],
      [1, () => '\ud83d\ude00'],
    ])();
  }
  return out;
}

export function encodeArray(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** A word of an inline command: no space, tab, CR, LF or quote. */
function inlineWord(rng: Rng): string {
  const word = rng.chance(0.6) ? rng.pick(WORDS) : validUnicode(rng, 8).replace(/[\s"']/g, '');
  return word === '' ? 'x' : word;
}

/** One valid piece of a pipeline: an array, an inline command, or what Redis skips (`*0`, `*-1`, a blank line). */
export function validSegment(rng: Rng, authenticated: boolean, maxBulkBytes: number): Segment {
  const maxArgs = authenticated ? 14 : UNAUTH_ARGS;
  const maxBytes = authenticated ? maxBulkBytes : Math.min(maxBulkBytes, UNAUTH_BULK_BYTES);
  return rng.weighted<() => Segment>([
    [
      6,
      () => {
        const args = Array.from({ length: rng.int(1, maxArgs) }, () => argument(rng, maxBytes));
        return { bytes: Buffer.from(encodeArray(args)), requests: [args] };
      },
    ],
    [
      2,
      () => {
        const args = Array.from({ length: rng.int(1, 5) }, () => inlineWord(rng));
        const separator = () => rng.pick([' ', '\t', '  ', ' \t ']);
        const line = `${rng.chance(0.2) ? separator() : ''}${args.join(separator())}`;
        // A leading '*' would be an array header: inline commands never start with one.
        if (line.startsWith('*')) return { bytes: Buffer.from('PING\r\n'), requests: [['PING']] };
        return { bytes: Buffer.from(`${line}${rng.chance(0.7) ? '\r\n' : '\n'}`), requests: [args] };
      },
    ],
    [1, () => ({ bytes: Buffer.from(rng.pick(['*0\r\n', '*-1\r\n', '\r\n', '\n', ' \r\n'])), requests: [] })],
  ])();
}

/** Bytes a hostile or broken client sends; what they parse to is not known in advance. */
export function hostileSegment(rng: Rng, maxBulkBytes: number): Buffer {
  const edge = () => rng.pick(EDGE_NUMBERS);
  const text = rng.weighted<() => string | Buffer>([
    [2, () => `*${edge()}\r\n`],
    [2, () => `*${rng.int(1, 3)}\r\n$${edge()}\r\n`],
    [1, () => `*1\r\n$${rng.pick([maxBulkBytes, maxBulkBytes + 1, 1_048_576_000, 2 ** 31])}\r\n`],
    [1, () => `*${rng.pick([1_048_576, 1_048_577, 2 ** 31])}\r\n`],
    [1, () => `*1\r\n${rng.pick([':', '+', '-', '*', '#', 'x'])}1\r\n`],
    [1, () => `*1\r\n$3\r\nabc${rng.pick(['XY', '\n', '\r', '', '\r\r\n'])}`],
    [1, () => `*${'9'.repeat(rng.int(17, 70_000))}`],
    [1, () => `*1\r\n$${'1'.repeat(rng.int(17, 70_000))}`],
    [1, () => 'x'.repeat(rng.pick([65_535, 65_536, 65_537, 70_000]))],
    [1, () => `${'y'.repeat(rng.int(60_000, 70_000))}\n`],
    [1, () => `SET "quoted value" 'x'\r\n`],
    [2, () => `${nastyText(rng, 12)}\r\n`],
    [2, () => Buffer.from(randomBytes(rng, rng.int(1, 64)))],
    [1, () => `*${rng.int(11, 40)}\r\n${'$1\r\nx\r\n'.repeat(rng.int(0, 40))}`],
    [1, () => `*1\r\n$${rng.int(16_385, 20_000)}\r\n`],
    [
      2,
      () => {
        // Complete requests at and just over the limits before AUTH and of the connection.
        const n = rng.pick([UNAUTH_BULK_BYTES, UNAUTH_BULK_BYTES + 1, maxBulkBytes, maxBulkBytes + 1]);
        return `*1\r\n$${n}\r\n${'x'.repeat(n)}\r\n`;
      },
    ],
    [1, () => encodeArray(Array.from({ length: rng.pick([10, 11, 12]) }, () => 'a'))],
    [1, () => '*1\n$4\nPING\n'],
    [1, () => '\r\r\r\n\n\0'],
  ])();
  return typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
}

/** A valid segment damaged in place: a byte changed, a length off by one, cut short. */
export function damagedSegment(rng: Rng, segment: Segment): Buffer {
  const bytes = Buffer.from(segment.bytes);
  if (bytes.length === 0) return bytes;
  return rng.weighted<() => Buffer>([
    [2, () => bytes.subarray(0, rng.int(0, bytes.length - 1))],
    [
      2,
      () => {
        bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
        return bytes;
      },
    ],
    [
      2,
      () => {
        // A declared length off by a little: the parser reads into the next piece or short of its end.
        const text = bytes.toString('latin1');
        const lengths = [...text.matchAll(/\$(\d+)\r\n/g)];
        const match = lengths.length > 0 ? rng.pick(lengths) : undefined;
        if (match?.index === undefined || match[1] === undefined) return bytes;
        const wrong = Math.max(0, Number(match[1]) + rng.pick([-2, -1, 1, 2, 1000]));
        return Buffer.from(
          `${text.slice(0, match.index)}$${wrong}${text.slice(match.index + match[0].length - 2)}`,
          'latin1',
        );
      },
    ],
  ])();
}
