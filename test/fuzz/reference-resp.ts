// A deliberately plain model of how Redis reads client requests (networking.c processMultibulkBuffer,
// processInlineBuffer), for differential fuzzing of the incremental parser: whole input, no shortcuts.
import { MAX_LINE_BYTES, MAX_MULTIBULK } from '../../agent/sentinel/request-parser.js';
import { UNAUTH_ARGS, UNAUTH_BULK_BYTES } from './resp-streams.js';

export interface ReferenceResult {
  readonly requests: string[][];
  readonly error: string | null;
}

/** string2ll as the parser documents it: an optional '-', then 1 to 18 digits. */
function integer(bytes: Buffer, from: number, to: number): number | null {
  const text = bytes.toString('latin1', from, to);
  return /^-?\d{1,18}$/.test(text) ? Number(text) : null;
}

/** Every request in `bytes`, in order, up to the first protocol error or the first incomplete one. */
export function referenceParse(bytes: Buffer, maxBulkBytes: number, authenticated: boolean): ReferenceResult {
  const requests: string[][] = [];
  const fail = (error: string): ReferenceResult => ({ requests, error });
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes[pos] !== 0x2a) {
      const newline = bytes.indexOf(0x0a, pos);
      if (newline < 0)
        return bytes.length - pos > MAX_LINE_BYTES ? fail('too big inline request') : waiting();
      if (newline - pos > MAX_LINE_BYTES) return fail('too big inline request');
      const text = bytes.toString('utf8', pos, newline).replace(/\r$/, '');
      if (/["']/.test(text))
        return fail('quoted inline arguments are not supported; send the command as a RESP array');
      const args = text.split(/[ \t]+/).filter((a) => a !== '');
      if (args.length > 0) requests.push(args);
      pos = newline + 1;
      continue;
    }
    const countEnd = bytes.indexOf('\r\n', pos + 1);
    if (countEnd < 0)
      return bytes.length - pos > MAX_LINE_BYTES ? fail('too big mbulk count string') : waiting();
    const count = integer(bytes, pos + 1, countEnd);
    if (count === null || count > MAX_MULTIBULK) return fail('invalid multibulk length');
    if (!authenticated && count > UNAUTH_ARGS) return fail('unauthenticated multibulk length');
    let at = countEnd + 2;
    const args: string[] = [];
    for (let i = 0; i < count; i++) {
      if (at >= bytes.length) return waiting();
      const marker = bytes[at] as number;
      if (marker !== 0x24) return fail(`expected '$', got '${String.fromCharCode(marker)}'`);
      const lengthEnd = bytes.indexOf('\r\n', at + 1);
      if (lengthEnd < 0)
        return bytes.length - at > MAX_LINE_BYTES ? fail('too big bulk count string') : waiting();
      const length = integer(bytes, at + 1, lengthEnd);
      if (length === null || length < 0 || length > maxBulkBytes) return fail('invalid bulk length');
      if (!authenticated && length > UNAUTH_BULK_BYTES) return fail('unauthenticated bulk length');
      const start = lengthEnd + 2;
      if (bytes.length < start + length + 2) return waiting();
      if (bytes[start + length] !== 0x0d || bytes[start + length + 1] !== 0x0a)
        return fail('invalid bulk format');
      args.push(bytes.toString('utf8', start, start + length));
      at = start + length + 2;
    }
    // An empty (*0) or null (*-1) request is skipped, as Redis does.
    if (args.length > 0) requests.push(args);
    pos = at;
  }
  return waiting();

  /** Incomplete: the requests so far, waiting for more bytes. */
  function waiting(): ReferenceResult {
    return { requests, error: null };
  }
}
