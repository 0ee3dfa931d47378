// Route guards: who may read, who may administer, and the agent check of the WebSocket route.
import type { MiddlewareHandler } from 'hono';
import type { Env } from '../env.js';
import { bearerToken, forbidden, matchesAny } from './bearer.js';
import { agentToken, constantTimeEqual } from './hmac.js';
import { optionalSecret, requiredSecret } from './secrets.js';

type Guard = MiddlewareHandler<{ Bindings: Env }>;

/** Reads are open unless READ_TOKEN is set; then they need it or the admin token. */
export function readAccess(): Guard {
  return async function readAccess(c, next) {
    const readToken = optionalSecret(c.env, 'READ_TOKEN');
    if (readToken !== undefined) {
      const token = bearerToken(c.req.header('Authorization'));
      const adminToken = optionalSecret(c.env, 'ADMIN_TOKEN');
      const allowed = adminToken === undefined ? [readToken] : [readToken, adminToken];
      if (!(await matchesAny(token, allowed))) {
        throw forbidden('this token may not read: use the read token or the admin token');
      }
    }
    await next();
  };
}

/** Operator actions need the admin token; the read token and agent tokens are refused with 403. */
export function adminAccess(): Guard {
  return async function adminAccess(c, next) {
    const adminToken = requiredSecret(c.env, 'ADMIN_TOKEN');
    const token = bearerToken(c.req.header('Authorization'));
    if (!(await matchesAny(token, [adminToken]))) {
      throw forbidden('this route needs the admin token');
    }
    await next();
  };
}

/** Throws 401/403 unless the bearer token is the agent token of `agentId` for `group`. */
export async function verifyAgent(
  env: Env,
  authorization: string | undefined,
  agentId: string,
  group: string,
): Promise<void> {
  const secret = requiredSecret(env, 'AGENT_SECRET');
  const token = bearerToken(authorization);
  const expected = await agentToken(secret, agentId, group);
  if (!(await constantTimeEqual(token.toLowerCase(), expected))) {
    throw forbidden(`this token is not the agent token of "${agentId}" for group "${group}"`);
  }
}
