// zod validators for query strings and JSON bodies: a bad field is a 400 that names it.
import type { Env, MiddlewareHandler } from 'hono';
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { describeIssues } from '../config/issues.js';
import { badRequest } from './errors.js';

function describe(where: string, error: z.ZodError): string {
  return describeIssues(where, error, 5).join('; ');
}

/** Validates the query string; repeated parameters are refused rather than silently merged. */
export function query<S extends z.ZodType>(schema: S) {
  return validator('query', (value, c) => {
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (values.length > 1) throw badRequest(`query.${name}: given more than once`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw badRequest(describe('query', parsed.error));
    return parsed.data as z.output<S>;
  });
}

/**
 * Validates a JSON body whatever its Content-Type (an operator's `curl -d` sends a form type),
 * so a `target` is never dropped silently. An empty body counts as `{}`. Written as a plain
 * middleware because hono's json validator refuses an empty body sent as application/json.
 */
export function jsonBody<S extends z.ZodType>(
  schema: S,
): MiddlewareHandler<Env, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> {
  return async function jsonBody(c, next) {
    const text = await c.req.text();
    let raw: unknown = {};
    if (text.trim() !== '') {
      try {
        raw = JSON.parse(text);
      } catch {
        throw badRequest('body: is not valid JSON');
      }
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw badRequest(describe('body', parsed.error));
    c.req.addValidatedData('json', parsed.data as object);
    await next();
  };
}
