// The API's one error shape, `{"error":{"code","message"}}`, and the exception that carries it.
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** An expected failure of a request: thrown by handlers and middleware, rendered by `onError`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string) => new ApiError(400, 'bad_request', message);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const badConfig = (message: string) => new ApiError(500, 'bad_config', message);
export const noMajority = (message: string) => new ApiError(503, 'no_majority', message);
