// Agent tokens and constant-time comparison (pure, Node's WebCrypto; the Worker runs the same code).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../workers/api/errors.js';
import { bearerToken } from '../../../workers/auth/bearer.js';
import { agentToken, bytesEqual, constantTimeEqual } from '../../../workers/auth/hmac.js';

describe('agentToken', () => {
  it.each([
    ['agent-a', 'mymaster'],
    ['dc2.redis-3:26379', 'cache.eu'],
  ])('is hex HMAC-SHA256(secret, "%s\\n%s")', async (agentId, group) => {
    const secret = 'a-test-secret-of-some-length';
    const expected = createHmac('sha256', secret).update(`${agentId}\n${group}`).digest('hex');
    expect(await agentToken(secret, agentId, group)).toBe(expected);
  });

  it('differs per agent, per group and per secret', async () => {
    const base = await agentToken('s'.repeat(16), 'a', 'g');
    expect(await agentToken('s'.repeat(16), 'b', 'g')).not.toBe(base);
    expect(await agentToken('s'.repeat(16), 'a', 'h')).not.toBe(base);
    expect(await agentToken('t'.repeat(16), 'a', 'g')).not.toBe(base);
  });
});

describe('constant-time comparison', () => {
  it.each([
    ['same', 'same', true],
    ['same', 'samE', false],
    ['short', 'a much longer value', false],
    ['', '', true],
  ])('constantTimeEqual(%j, %j) is %s', async (a, b, equal) => {
    expect(await constantTimeEqual(a, b)).toBe(equal);
  });

  it('bytesEqual compares lengths and every byte', () => {
    expect(bytesEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
  });
});

describe('bearerToken', () => {
  it('extracts a well-formed token', () => {
    expect(bearerToken('Bearer abc.DEF-123_~+/=')).toBe('abc.DEF-123_~+/=');
    expect(bearerToken('bearer   xyz')).toBe('xyz');
  });

  it.each([undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', `Bearer ${'x'.repeat(600)}`])(
    'refuses %j with 401 and WWW-Authenticate',
    (header) => {
      try {
        bearerToken(header);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ApiError);
        const apiError = error as ApiError;
        expect(apiError.status).toBe(401);
        expect(apiError.headers['WWW-Authenticate']).toMatch(/^Bearer realm="edge-sentinel"/);
      }
    },
  );
});
