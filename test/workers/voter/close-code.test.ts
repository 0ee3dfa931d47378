// A voter answers an agent's close frame with a code it may send, or 1002 (RFC 6455 §7.4).
import { describe, expect, it } from 'vitest';
import { closeReply, PROTOCOL_ERROR } from '../../../workers/voter/close-code.js';

describe('closeReply', () => {
  it.each([1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4000, 4999])('echoes %i', (code) => {
    expect(closeReply(code)).toBe(code);
  });

  it('answers a close without a code (1005) with 1000', () => {
    expect(closeReply(1005)).toBe(1000);
  });

  it.each([0, 999, 1004, 1006, 1015, 1016, 2999, 5000, 65535])('answers %i with 1002', (code) => {
    expect(closeReply(code)).toBe(PROTOCOL_ERROR);
  });
});
