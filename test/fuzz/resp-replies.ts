// Reads what the Sentinel port answered as RESP2/RESP3 replies, to check that garbage in never makes garbage out.

export interface ReadReplies {
  /** Top-level replies, as their first line (`-ERR ...`, `+PONG`, `*3`). */
  readonly heads: string[];
  /** Bytes after the last complete reply (a reply cut short). */
  readonly rest: number;
  /** Why the bytes are not RESP, or null. */
  readonly malformed: string | null;
}

const SIMPLE = new Set(['+', '-', ':', '_', ',', '#', '(']);
const BLOB = new Set(['$', '!', '=']);
const AGGREGATE = new Set(['*', '~', '>']);
const PAIRS = new Set(['%', '|']);

export function readReplies(bytes: Buffer): ReadReplies {
  const heads: string[] = [];
  let pos = 0;
  /** The end of one complete value starting at `at`, 'incomplete', or a reason it is malformed. */
  const value = (at: number, depth: number): number | 'incomplete' | { malformed: string } => {
    if (depth > 64) return { malformed: 'nested deeper than 64' };
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return 'incomplete';
    const type = String.fromCharCode(bytes[at] ?? 0);
    const line = bytes.toString('utf8', at + 1, lineEnd);
    if (SIMPLE.has(type))
      return /[\r\n]/.test(line) ? { malformed: `CR or LF in ${type}${line}` } : lineEnd + 2;
    const n = Number(line);
    if (!/^-?\d+$/.test(line)) return { malformed: `bad length in ${type}${line}` };
    if (BLOB.has(type)) {
      if (n === -1 && type === '$') return lineEnd + 2;
      const end = lineEnd + 2 + n;
      if (bytes.length < end + 2) return 'incomplete';
      return bytes[end] === 0x0d && bytes[end + 1] === 0x0a
        ? end + 2
        : { malformed: `blob of ${n} not ended by CRLF` };
    }
    if (AGGREGATE.has(type) || PAIRS.has(type)) {
      if (n === -1 && type === '*') return lineEnd + 2;
      let next = lineEnd + 2;
      for (let i = 0; i < n * (PAIRS.has(type) ? 2 : 1); i++) {
        const end = value(next, depth + 1);
        if (typeof end !== 'number') return end;
        next = end;
      }
      return next;
    }
    return { malformed: `unknown type byte ${JSON.stringify(type)}` };
  };
  while (pos < bytes.length) {
    const end = value(pos, 0);
    if (end === 'incomplete') break;
    if (typeof end !== 'number') return { heads, rest: bytes.length - pos, malformed: end.malformed };
    heads.push(bytes.toString('utf8', pos, Math.min(bytes.indexOf('\r\n', pos), pos + 200)));
    pos = end;
  }
  return { heads, rest: bytes.length - pos, malformed: null };
}
