// Random inputs for the fuzz targets, all drawn from one seeded Rng: text, JSON values and mutations of valid inputs.
import type { Rng } from '../sim/rng.js';

/** Characters that break parsers: separators, quotes, escapes, controls, non-ASCII, lone surrogates. */
const NASTY = [
  '\r\n',
  '\n',
  '\r',
  '\t',
  ' ',
  '\0',
  '"',
  "'",
  '\\',
  ':',
  '#',
  '&',
  '*',
  '!',
  '%',
  '@',
  '`',
  '{',
  '}',
  '[',
  ']',
  ',',
  '-',
  '$',
  '|',
  '>',
  '?',
  '\u00e9',
  '\u2028',
  '\ufeff',
  '\ud83d\ude00',
  '\ud800',
  '\u0085',
  '%00',
  '%ff',
  '..',
  '/',
];

/** Numbers at and around the limits parsers check. */
export const EDGE_NUMBERS = [
  '0',
  '-0',
  '-1',
  '1',
  '9',
  '10',
  '11',
  '16384',
  '16385',
  '65535',
  '65536',
  '1048576',
  '1048577',
  '2147483647',
  '2147483648',
  '4294967296',
  '9007199254740991',
  '9007199254740992',
  '9223372036854775807',
  '99999999999999999999',
  '1e3',
  '0x10',
  '+1',
  ' 1',
  '1.5',
  'NaN',
  'Infinity',
  '',
];

export function asciiText(rng: Rng, maxLength: number): string {
  const n = rng.int(0, maxLength);
  let out = '';
  for (let i = 0; i < n; i++) out += String.fromCharCode(rng.int(0x20, 0x7e));
  return out;
}

/** Printable ASCII mixed with NASTY pieces. */
export function nastyText(rng: Rng, maxPieces: number): string {
  const n = rng.int(0, maxPieces);
  let out = '';
  for (let i = 0; i < n; i++) out += rng.chance(0.4) ? rng.pick(NASTY) : asciiText(rng, 6);
  return out;
}

/** Any UTF-16 text, lone surrogates included (what a hostile JSON string can hold). */
export function anyText(rng: Rng, maxLength: number): string {
  const n = rng.int(0, maxLength);
  let out = '';
  for (let i = 0; i < n; i++) {
    out += rng.weighted<() => string>([
      [6, () => String.fromCharCode(rng.int(0x20, 0x7e))],
      [1, () => String.fromCharCode(rng.int(0, 0x1f))],
      [1, () => String.fromCharCode(rng.int(0x80, 0xffff))],
      [1, () => rng.pick(NASTY)],
    ])();
  }
  return out;
}

export function randomBytes(rng: Rng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.int(0, 255);
  return out;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A random JSON value, at most `depth` levels deep. */
export function randomJson(rng: Rng, depth: number): Json {
  const leaf = (): Json =>
    rng.weighted<() => Json>([
      [1, () => null],
      [1, () => rng.chance(0.5)],
      [2, () => rng.int(-5, 70_000)],
      [1, () => Number(rng.pick(EDGE_NUMBERS.filter((n) => /^-?\d+$/.test(n))))],
      [1, () => rng.next() * 1e6 - 5e5],
      [3, () => anyText(rng, 12)],
    ])();
  if (depth <= 0 || rng.chance(0.4)) return leaf();
  if (rng.chance(0.5)) return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth - 1));
  const out: { [key: string]: Json } = {};
  for (let i = rng.int(0, 4); i > 0; i--)
    out[rng.chance(0.7) ? asciiText(rng, 8) : rng.pick(KEYS)] = randomJson(rng, depth - 1);
  return out;
}

/** Keys the protocol and the config use, so random objects sometimes look almost right. */
const KEYS = [
  'v',
  'kind',
  'group',
  'agentId',
  'epoch',
  'node',
  '__proto__',
  'constructor',
  'toString',
  'views',
];

/** A nested array `depth` levels deep: `[[[...]]]`. */
export function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** A nested object `depth` levels deep: `{"a":{"a":...}}`. */
export function deepObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * One structural change of a JSON value at a random place: a field removed, retyped, replaced by
 * random JSON, an extra field, a huge string, a deep value, an edge number.
 */
export function mutateJson(rng: Rng, value: Json): Json {
  if (Array.isArray(value)) {
    if (value.length === 0 || rng.chance(0.3)) return rng.chance(0.5) ? [...value, randomJson(rng, 2)] : [];
    const i = rng.int(0, value.length - 1);
    const copy = [...value];
    copy[i] = mutateJson(rng, copy[i] as Json);
    if (rng.chance(0.2)) copy.push(...Array.from({ length: rng.int(1, 100) }, () => copy[i] as Json));
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const copy = { ...value };
    if (keys.length === 0 || rng.chance(0.15)) {
      copy[rng.chance(0.5) ? asciiText(rng, 10) : rng.pick(KEYS)] = randomJson(rng, 2);
      return copy;
    }
    const key = rng.pick(keys);
    if (rng.chance(0.15)) {
      delete copy[key];
      return copy;
    }
    copy[key] = mutateJson(rng, copy[key] as Json);
    return copy;
  }
  return rng.weighted<() => Json>([
    [3, () => randomJson(rng, 1)],
    [1, () => null],
    [
      2,
      () =>
        typeof value === 'number' ? Number(rng.pick(['-1', '0', '1e308', '9007199254740993', '0.5'])) : 0,
    ],
    [2, () => (typeof value === 'string' ? mutateString(rng, value) : String(value))],
    [1, () => 'x'.repeat(rng.pick([65, 129, 254, 262, 501, 70_000]))],
    [1, () => JSON.parse(deepArray(rng.int(10, 200))) as Json],
  ])();
}

/** A small edit of a string: a character changed, inserted or removed, or one of NASTY inserted. */
export function mutateString(rng: Rng, text: string): string {
  const at = rng.int(0, text.length);
  return rng.weighted<() => string>([
    [2, () => text.slice(0, at) + rng.pick(NASTY) + text.slice(at)],
    [1, () => text.slice(0, at) + text.slice(at + 1)],
    [1, () => text.slice(0, at) + String.fromCharCode(rng.int(0, 0xffff)) + text.slice(at + 1)],
    [1, () => text.toUpperCase()],
    [1, () => ''],
  ])();
}

/**
 * Line- and byte-level damage to a text document: pieces deleted, repeated, swapped, indentation
 * shifted, NASTY pieces and edge numbers inserted, the end cut off.
 */
export function mutateText(rng: Rng, text: string, mutations: number): string {
  let out = text;
  for (let m = 0; m < mutations; m++) {
    const a = rng.int(0, out.length);
    const b = Math.min(out.length, a + rng.int(0, 40));
    out = rng.weighted<() => string>([
      [3, () => out.slice(0, a) + rng.pick(NASTY) + out.slice(a)],
      [2, () => out.slice(0, a) + out.slice(b)],
      [2, () => out.slice(0, b) + out.slice(a, b) + out.slice(b)],
      [2, () => out.slice(0, a) + rng.pick(EDGE_NUMBERS) + out.slice(b)],
      [1, () => out.slice(0, a)],
      [1, () => out.slice(0, a) + String.fromCharCode(rng.int(0, 0xffff)) + out.slice(a + 1)],
      [1, () => shiftIndent(rng, out)],
      [1, () => swapLines(rng, out)],
    ])();
  }
  return out;
}

function shiftIndent(rng: Rng, text: string): string {
  const lines = text.split('\n');
  const i = rng.int(0, Math.max(0, lines.length - 1));
  const line = lines[i] ?? '';
  lines[i] = rng.chance(0.5) ? `${' '.repeat(rng.int(1, 3))}${line}` : line.replace(/^ {1,2}/, '');
  return lines.join('\n');
}

function swapLines(rng: Rng, text: string): string {
  const lines = text.split('\n');
  if (lines.length < 2) return text;
  const i = rng.int(0, lines.length - 1);
  const j = rng.int(0, lines.length - 1);
  const a = lines[i] ?? '';
  lines[i] = lines[j] ?? '';
  lines[j] = a;
  return lines.join('\n');
}

/** Splits `bytes` at random points into 1..maxChunks pieces, or (one time in ten, up to 4 KiB) into single bytes. */
export function randomChunks(rng: Rng, bytes: Uint8Array, maxChunks: number): Uint8Array[] {
  const cuts = new Set<number>();
  const n = rng.int(0, Math.min(maxChunks - 1, Math.max(0, bytes.length - 1)));
  for (let i = 0; i < n; i++) cuts.add(rng.int(1, Math.max(1, bytes.length - 1)));
  if (rng.chance(0.1) && bytes.length < 4096) for (let i = 1; i < bytes.length; i++) cuts.add(i);
  const sorted = [...cuts].filter((c) => c > 0 && c < bytes.length).sort((x, y) => x - y);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...sorted, bytes.length]) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  return chunks;
}
