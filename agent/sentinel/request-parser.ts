// Client requests off the wire, as Redis reads them (networking.c processMultibulkBuffer and
// processInlineBuffer): RESP arrays of bulk strings, or inline commands split on whitespace.
// A bad header is answered at once with Redis's own "Protocol error" text instead of waiting for
// bytes that will never come, and a declared length above the limits is refused before it is read.

/** Redis's PROTO_INLINE_MAX_SIZE: an inline command, or a header line, longer than this is refused. */
export const MAX_LINE_BYTES = 64 * 1024;
/** Redis refuses more arguments than this in one request (1024 × 1024). */
export const MAX_MULTIBULK = 1024 * 1024;
/** Before AUTH, Redis allows at most 10 arguments of at most 16 KiB each. */
const UNAUTH_MULTIBULK = 10;
const UNAUTH_BULK = 16 * 1024;
const EMPTY = Buffer.alloc(0);

export interface ParsedRequests {
  readonly requests: string[][];
  /** Redis's message after "Protocol error: "; the connection answers it and closes. */
  readonly error: string | null;
  /**
   * Parsing stopped after one request because the client is not authenticated yet: run it (it may
   * be AUTH), then `resume()` for the rest, so the limits before AUTH apply only to requests that
   * really come before it (Redis runs each request before it reads the next).
   */
  readonly more: boolean;
}

/**
 * Incremental: `feed` each chunk as it arrives. A request split across chunks keeps its parsed
 * arguments, so a long pipeline or a many-argument request is read in linear time.
 */
export class RequestParser {
  private buffer: Buffer = Buffer.alloc(0);
  /** Chunks received since the last parse that could not complete anything (joined lazily). */
  private chunks: Buffer[] = [];
  private total = 0;
  /**
   * What the last parse stopped for: `bytes` more in all, or a newline (a line longer than
   * MAX_LINE_BYTES from `lineStart` is `tooLong`). Chunks that cannot satisfy it are only queued,
   * so a peer trickling bytes one at a time costs linear, not quadratic, work.
   */
  private wait:
    | { readonly kind: 'none' }
    | { readonly kind: 'bytes'; readonly bytes: number }
    | { readonly kind: 'line'; readonly lineStart: number; readonly tooLong: string } = { kind: 'none' };
  /** The request being read: its declared argument count and the arguments read so far. */
  private pending: { count: number; args: string[] } | null = null;

  constructor(
    /** Largest bulk string accepted (the connection's request limit). */
    private readonly maxBulkBytes: number,
    /** Whether the client has authenticated (smaller limits before it has, as Redis). */
    private readonly authenticated: () => boolean,
  ) {}

  feed(chunk: Buffer): ParsedRequests {
    const requests: string[][] = [];
    const fail = (message: string): ParsedRequests => {
      this.buffer = Buffer.alloc(0);
      this.chunks = [];
      this.total = 0;
      this.wait = { kind: 'none' };
      this.pending = null;
      return { requests, error: message, more: false };
    };
    this.chunks.push(chunk);
    this.total += chunk.length;
    const wait = this.wait;
    if (wait.kind === 'bytes' && this.total < wait.bytes) return { requests, error: null, more: false };
    if (wait.kind === 'line' && chunk.indexOf(0x0a) < 0) {
      return this.total - wait.lineStart > MAX_LINE_BYTES
        ? fail(wait.tooLong)
        : { requests, error: null, more: false };
    }
    this.buffer =
      this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.total);
    this.wait = { kind: 'none' };
    let pos = 0;
    let more = false;
    for (;;) {
      if (this.pending === null) {
        if (pos >= this.buffer.length) break;
        // Before AUTH one request at a time: the next is parsed under the limits AUTH may lift.
        if (requests.length > 0 && !this.authenticated()) {
          more = true;
          break;
        }
        if (this.buffer[pos] !== 0x2a /* '*' */) {
          const inline = this.inline(pos);
          if (inline === 'incomplete') {
            this.wait = { kind: 'line', lineStart: pos, tooLong: 'too big inline request' };
            break;
          }
          if (typeof inline === 'string') return fail(inline);
          pos = inline.next;
          if (inline.args.length > 0) requests.push(inline.args);
          continue;
        }
        const header = this.integerLine(pos + 1);
        if (header === 'incomplete') {
          if (this.buffer.length - pos > MAX_LINE_BYTES) return fail('too big mbulk count string');
          this.wait = { kind: 'line', lineStart: pos, tooLong: 'too big mbulk count string' };
          break;
        }
        const count = header.value;
        if (count === null || count > MAX_MULTIBULK) return fail('invalid multibulk length');
        if (!this.authenticated() && count > UNAUTH_MULTIBULK)
          return fail('unauthenticated multibulk length');
        pos = header.next;
        // Redis ignores an empty (*0) or null (*-1) request.
        if (count <= 0) continue;
        this.pending = { count, args: [] };
      }
      const pending = this.pending;
      while (pending.args.length < pending.count) {
        if (pos >= this.buffer.length) break;
        const marker = this.buffer[pos];
        if (marker !== 0x24 /* '$' */) return fail(`expected '$', got '${String.fromCharCode(marker ?? 0)}'`);
        const header = this.integerLine(pos + 1);
        if (header === 'incomplete') {
          if (this.buffer.length - pos > MAX_LINE_BYTES) return fail('too big bulk count string');
          this.wait = { kind: 'line', lineStart: pos, tooLong: 'too big bulk count string' };
          break;
        }
        const length = header.value;
        if (length === null || length < 0 || length > this.maxBulkBytes) return fail('invalid bulk length');
        if (!this.authenticated() && length > UNAUTH_BULK) return fail('unauthenticated bulk length');
        const end = header.next + length;
        if (this.buffer.length < end + 2) {
          // Offsets are kept relative to what stays buffered (everything before `pos` is dropped).
          this.wait = { kind: 'bytes', bytes: end + 2 - pos };
          break;
        }
        if (this.buffer[end] !== 0x0d || this.buffer[end + 1] !== 0x0a) return fail('invalid bulk format');
        pending.args.push(this.buffer.toString('utf8', header.next, end));
        pos = end + 2;
      }
      if (pending.args.length < pending.count) break;
      requests.push(pending.args);
      this.pending = null;
    }
    this.buffer = this.buffer.subarray(pos);
    if (this.wait.kind === 'line') this.wait = { ...this.wait, lineStart: this.wait.lineStart - pos };
    this.chunks = this.buffer.length === 0 ? [] : [this.buffer];
    this.total = this.buffer.length;
    return { requests, error: null, more };
  }

  /** Parses what is buffered after a `more` answer (no new bytes). */
  resume(): ParsedRequests {
    return this.feed(EMPTY);
  }

  /** Bytes held for a request not complete yet (the connection bounds them). */
  get buffered(): number {
    return this.total;
  }

  /**
   * The header line starting at `from`, up to CRLF, read as a whole decimal number the way
   * Redis's string2ll reads it (an optional '-', 1 to 18 digits; value null otherwise). Read from
   * the bytes directly: this runs twice per argument of every request.
   */
  private integerLine(from: number): { value: number | null; next: number } | 'incomplete' {
    const buffer = this.buffer;
    let end = buffer.indexOf(0x0d /* '\r' */, from);
    while (end >= 0 && end + 1 < buffer.length && buffer[end + 1] !== 0x0a)
      end = buffer.indexOf(0x0d, end + 1);
    if (end < 0 || end + 1 >= buffer.length) return 'incomplete';
    const negative = buffer[from] === 0x2d; /* '-' */
    const first = negative ? from + 1 : from;
    const digits = end - first;
    if (digits < 1 || digits > 18) return { value: null, next: end + 2 };
    let value = 0;
    for (let i = first; i < end; i++) {
      const digit = (buffer[i] as number) - 0x30;
      if (digit < 0 || digit > 9) return { value: null, next: end + 2 };
      value = value * 10 + digit;
    }
    return { value: negative ? -value : value, next: end + 2 };
  }

  /** An inline command: the line split on spaces and tabs (no quoting, which redis-cli never needs). */
  private inline(from: number): { args: string[]; next: number } | 'incomplete' | string {
    const end = this.buffer.indexOf(0x0a /* '\n' */, from);
    if (end < 0) return this.buffer.length - from > MAX_LINE_BYTES ? 'too big inline request' : 'incomplete';
    if (end - from > MAX_LINE_BYTES) return 'too big inline request';
    const text = this.buffer.toString('utf8', from, end).replace(/\r$/, '');
    if (/["']/.test(text))
      return 'quoted inline arguments are not supported; send the command as a RESP array';
    return { args: text.split(/[ \t]+/).filter((a) => a !== ''), next: end + 1 };
  }
}
