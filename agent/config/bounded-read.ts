// Reading a configuration file, a secret or a certificate with a size bound: `/dev/zero`, a FIFO
// or a huge file by mistake is refused after `maxBytes`, not read until the process is killed.
import { closeSync, openSync, readSync } from 'node:fs';

/** The file's text, or an error naming why not (too large, unreadable). */
export function readBounded(path: string, maxBytes: number): { text: string } | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { error: `cannot be read: ${messageOf(error)}` };
  }
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    // One byte more than allowed tells "exactly at the limit" from "over it".
    while (length <= maxBytes) {
      const n = readSync(fd, buffer, length, maxBytes + 1 - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) return { error: `is larger than ${maxBytes} bytes` };
    return { text: buffer.subarray(0, length).toString('utf8') };
  } catch (error) {
    return { error: `cannot be read: ${messageOf(error)}` };
  } finally {
    closeSync(fd);
  }
}

function messageOf(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ?? e.message ?? String(error);
}
