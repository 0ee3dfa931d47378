// Bearer credentials: parsing the Authorization header and deciding 401 vs 403.
import { ApiError } from '../api/errors.js';
import { constantTimeEqual } from './hmac.js';

/** RFC 6750 b64token, bounded so a huge header costs nothing. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,512}=*)$/i;

/** Secrets shorter than this are refused as configuration errors: they are guessable. */
export const MIN_SECRET_LENGTH = 16;

/** The token of a well-formed `Authorization: Bearer <token>` header; 401 when missing or malformed. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw unauthorized('invalid_request', 'missing credentials: send "Authorization: Bearer <token>"');
  }
  const match = BEARER.exec(header.trim());
  if (match?.[1] === undefined) {
    throw unauthorized('invalid_request', 'malformed credentials: expected "Authorization: Bearer <token>"');
  }
  return match[1];
}

/** Whether `token` equals one of the configured secrets, comparing each in constant time. */
export async function matchesAny(token: string, secrets: readonly string[]): Promise<boolean> {
  const results = await Promise.all(secrets.map((secret) => constantTimeEqual(token, secret)));
  return results.includes(true);
}

export function unauthorized(error: 'invalid_request' | 'invalid_token', message: string): ApiError {
  return new ApiError(401, 'unauthorized', message, {
    'WWW-Authenticate': `Bearer realm="edge-sentinel", error="${error}"`,
  });
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'forbidden', message);
}
