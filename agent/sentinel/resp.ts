// Replies as values, and their encoding in RESP2 or RESP3 (the protocol a connection chose with HELLO).

export type Protocol = 2 | 3;

/**
 * A reply before encoding. RESP3-only shapes degrade the way Redis degrades them for RESP2:
 * `map` becomes a flat field/value array, `set` and `push` become arrays, `null` becomes the
 * null bulk string or the null array its `shape` names.
 */
export type Reply =
  | { readonly kind: 'simple'; readonly text: string }
  | { readonly kind: 'error'; readonly text: string }
  | { readonly kind: 'integer'; readonly value: number }
  | { readonly kind: 'bulk'; readonly text: string }
  | { readonly kind: 'null'; readonly shape: 'bulk' | 'array' }
  | { readonly kind: 'array'; readonly items: readonly Reply[] }
  | { readonly kind: 'set'; readonly items: readonly Reply[] }
  | { readonly kind: 'map'; readonly entries: readonly (readonly [Reply, Reply])[] }
  | { readonly kind: 'push'; readonly items: readonly Reply[] }
  /** Several top-level replies for one command (SUBSCRIBE a b answers once per channel). */
  | { readonly kind: 'many'; readonly replies: readonly Reply[] };

export const OK: Reply = { kind: 'simple', text: 'OK' };

export function simple(text: string): Reply {
  return { kind: 'simple', text };
}

/** `text` starts with the error code (`ERR ...`, `NOAUTH ...`), exactly as Redis writes it after `-`. */
export function error(text: string): Reply {
  return { kind: 'error', text };
}

export function integer(value: number): Reply {
  return { kind: 'integer', value };
}

export function bulk(text: string): Reply {
  return { kind: 'bulk', text };
}

export function nullBulk(): Reply {
  return { kind: 'null', shape: 'bulk' };
}

export function nullArray(): Reply {
  return { kind: 'null', shape: 'array' };
}

export function array(items: readonly Reply[]): Reply {
  return { kind: 'array', items };
}

export function set(items: readonly Reply[]): Reply {
  return { kind: 'set', items };
}

export function push(items: readonly Reply[]): Reply {
  return { kind: 'push', items };
}

export function many(replies: readonly Reply[]): Reply {
  return { kind: 'many', replies };
}

/** A map whose keys and values are all bulk strings: Sentinel's instance maps. */
export function stringMap(fields: readonly (readonly [string, string])[]): Reply {
  return { kind: 'map', entries: fields.map(([k, v]) => [bulk(k), bulk(v)] as const) };
}

export function map(entries: readonly (readonly [string, Reply])[]): Reply {
  return { kind: 'map', entries: entries.map(([k, v]) => [bulk(k), v] as const) };
}

/** Redis replaces CR and LF in status and error lines with spaces so a line stays one line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

function encodeInto(reply: Reply, protocol: Protocol, out: string[]): void {
  switch (reply.kind) {
    case 'simple':
      out.push(`+${oneLine(reply.text)}\r\n`);
      return;
    case 'error':
      out.push(`-${oneLine(reply.text)}\r\n`);
      return;
    case 'integer':
      out.push(`:${Math.trunc(reply.value)}\r\n`);
      return;
    case 'bulk':
      out.push(`$${Buffer.byteLength(reply.text, 'utf8')}\r\n${reply.text}\r\n`);
      return;
    case 'null':
      out.push(protocol === 3 ? '_\r\n' : reply.shape === 'bulk' ? '$-1\r\n' : '*-1\r\n');
      return;
    case 'array':
      encodeAggregate('*', reply.items, protocol, out);
      return;
    case 'set':
      encodeAggregate(protocol === 3 ? '~' : '*', reply.items, protocol, out);
      return;
    case 'push':
      encodeAggregate(protocol === 3 ? '>' : '*', reply.items, protocol, out);
      return;
    case 'map':
      out.push(protocol === 3 ? `%${reply.entries.length}\r\n` : `*${reply.entries.length * 2}\r\n`);
      for (const [key, value] of reply.entries) {
        encodeInto(key, protocol, out);
        encodeInto(value, protocol, out);
      }
      return;
    case 'many':
      for (const inner of reply.replies) encodeInto(inner, protocol, out);
      return;
    default: {
      const unreachable: never = reply;
      throw new Error(`unknown reply kind ${JSON.stringify(unreachable)}`);
    }
  }
}

function encodeAggregate(prefix: string, items: readonly Reply[], protocol: Protocol, out: string[]): void {
  out.push(`${prefix}${items.length}\r\n`);
  for (const item of items) encodeInto(item, protocol, out);
}

export function encodeText(reply: Reply, protocol: Protocol): string {
  const memo = encodedOnce.get(reply);
  if (memo === undefined) return encodeFresh(reply, protocol);
  const text = memo[protocol] ?? encodeFresh(reply, protocol);
  memo[protocol] = text;
  return text;
}

function encodeFresh(reply: Reply, protocol: Protocol): string {
  const out: string[] = [];
  encodeInto(reply, protocol, out);
  return out.join('');
}

/** The encodings of replies handed out again and again, per protocol. */
const encodedOnce = new WeakMap<Reply, { 2?: string; 3?: string }>();

/**
 * Marks a reply that will be answered many times unchanged (a lookup's cached answer): it is
 * encoded once per protocol, not once per request. It must never be modified afterwards.
 */
export function reusable<R extends Reply>(reply: R): R {
  encodedOnce.set(reply, {});
  return reply;
}

export function encode(reply: Reply, protocol: Protocol): Buffer {
  return Buffer.from(encodeText(reply, protocol), 'utf8');
}
