// A reusable reply (a lookup's cached answer) is encoded once per protocol, byte for byte as a fresh one.
import { describe, expect, it } from 'vitest';
import {
  array,
  bulk,
  encodeText,
  map,
  nullBulk,
  type Reply,
  reusable,
} from '../../../agent/sentinel/resp.js';

const shapes = (): Reply[] => [
  array([bulk('127.0.0.1'), bulk('7001')]),
  map([['name', bulk('mymaster')]]),
  nullBulk(),
];

describe('reusable replies', () => {
  it('encode exactly as fresh ones, in RESP2 and in RESP3, however often asked and in any order', () => {
    for (const [i, fresh] of shapes().entries()) {
      const kept = reusable(shapes()[i] as Reply);
      for (const protocol of [3, 2, 3, 2] as const) {
        expect(encodeText(kept, protocol)).toBe(encodeText(fresh, protocol));
      }
    }
  });

  it('keep one encoding per protocol: RESP3 of a map is not served to a RESP2 client', () => {
    const kept = reusable(map([['a', bulk('b')]]));
    expect(encodeText(kept, 3)).toBe('%1\r\n$1\r\na\r\n$1\r\nb\r\n');
    expect(encodeText(kept, 2)).toBe('*2\r\n$1\r\na\r\n$1\r\nb\r\n');
  });

  it('is encoded once: every later request gets the first encoding', () => {
    const items: Reply[] = [bulk('127.0.0.1')];
    const kept = reusable(array(items));
    const first = encodeText(kept, 2);
    // Modifying a reusable reply is not allowed; doing it here shows the encoding is not redone.
    items.push(bulk('7001'));
    expect(encodeText(kept, 2)).toBe(first);
    expect(encodeText(array(items), 2)).not.toBe(first);
  });
});
