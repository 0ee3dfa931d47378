// Requests off the wire, byte by byte or in one piece: RESP arrays, inline commands, Redis's
// protocol errors as soon as a header is wrong, and the smaller limits before AUTH.
import { describe, expect, it } from 'vitest';
import { RequestParser } from '../../../agent/sentinel/request-parser.js';
import { encodeCommand } from './support/raw-client.js';

const parser = (authenticated = true, maxBulkBytes = 1024 * 1024) =>
  new RequestParser(maxBulkBytes, () => authenticated);

function feedBytewise(p: RequestParser, text: string) {
  const requests: string[][] = [];
  for (const byte of Buffer.from(text)) {
    const out = p.feed(Buffer.from([byte]));
    requests.push(...out.requests);
    if (out.error !== null) return { requests, error: out.error };
  }
  return { requests, error: null };
}

describe('RequestParser', () => {
  const pipeline = `${encodeCommand(['SENTINEL', 'get-master-addr-by-name', 'mymaster'])}PING\r\n*0\r\n*-1\r\n${encodeCommand(['SET', 'k', 'a\r\nb'])}`;
  const expected = [['SENTINEL', 'get-master-addr-by-name', 'mymaster'], ['PING'], ['SET', 'k', 'a\r\nb']];

  it('reads a pipeline of arrays and inline commands, skipping empty and null arrays', () => {
    expect(parser().feed(Buffer.from(pipeline))).toEqual({ requests: expected, error: null, more: false });
  });

  it('gives the same requests when the bytes arrive one at a time', () => {
    expect(feedBytewise(parser(), pipeline)).toEqual({ requests: expected, error: null });
  });

  it.each([
    ['*abc\r\n', 'invalid multibulk length'],
    ['*1048577\r\n', 'invalid multibulk length'],
    ['*1\r\n$abc\r\n', 'invalid bulk length'],
    ['*1\r\n$-1\r\n', 'invalid bulk length'],
    ['*1\r\n$1048577\r\n', 'invalid bulk length'],
    ['*1\r\n:1\r\n', "expected '$', got ':'"],
    ['*1\r\n$2\r\nabcd', 'invalid bulk format'],
  ])('%j: %s, as soon as the header is read', (text, message) => {
    expect(feedBytewise(parser(), text).error).toBe(message);
  });

  it('before AUTH allows at most 10 arguments of at most 16 KiB, as Redis', () => {
    expect(parser(false).feed(Buffer.from('*11\r\n')).error).toBe('unauthenticated multibulk length');
    expect(parser(false).feed(Buffer.from('*1\r\n$16385\r\n')).error).toBe('unauthenticated bulk length');
    expect(parser(false).feed(Buffer.from(encodeCommand(['AUTH', 'secret']))).requests).toEqual([
      ['AUTH', 'secret'],
    ]);
  });

  it('before AUTH hands over one request at a time, so AUTH can lift the limits for the next', () => {
    let authenticated = false;
    const p = new RequestParser(1024 * 1024, () => authenticated);
    const eleven = ['PING', ...Array(10).fill('y')];
    const first = p.feed(Buffer.from(encodeCommand(['AUTH', 'pw']) + encodeCommand(eleven)));
    expect(first).toEqual({ requests: [['AUTH', 'pw']], error: null, more: true });
    authenticated = true;
    expect(p.resume()).toEqual({ requests: [eleven], error: null, more: false });
    // Still unauthenticated after the first (a wrong password): the next is held to the limits.
    authenticated = false;
    const q = new RequestParser(1024 * 1024, () => authenticated);
    expect(q.feed(Buffer.from(encodeCommand(['AUTH', 'bad']) + encodeCommand(eleven))).more).toBe(true);
    expect(q.resume().error).toBe('unauthenticated multibulk length');
  });

  it('refuses a header or inline line longer than 64 KiB without its end', () => {
    expect(parser().feed(Buffer.from(`*${'1'.repeat(70_000)}`)).error).toBe('too big mbulk count string');
    expect(parser().feed(Buffer.from('x'.repeat(70_000))).error).toBe('too big inline request');
  });

  it('reads a 512 KiB argument trickled one byte at a time in linear time', () => {
    const p = parser();
    const body = 'x'.repeat(512 * 1024);
    const bytes = Buffer.from(encodeCommand(['SET', 'k', body]));
    const started = performance.now();
    const requests: string[][] = [];
    for (let i = 0; i < bytes.length; i++) requests.push(...p.feed(bytes.subarray(i, i + 1)).requests);
    expect(requests).toEqual([['SET', 'k', body]]);
    // Joining the buffer at every byte would copy about 10^11 bytes; the bound only catches that.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('reads many arguments split across many chunks in linear time', () => {
    const p = parser();
    const count = 200_000;
    p.feed(Buffer.from(`*${count}\r\n`));
    const started = performance.now();
    let requests: string[][] = [];
    for (let i = 0; i < count; i++) requests = p.feed(Buffer.from('$1\r\nx\r\n')).requests;
    expect(requests).toHaveLength(1);
    expect(requests[0]).toHaveLength(count);
    // Re-reading the request from its start at every chunk would take minutes; the bound only catches that.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
