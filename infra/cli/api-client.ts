// The coordinator's HTTP API as the CLI uses it: bearer tokens, bounded requests, answers checked
// with the API's own zod schemas, and every failure turned into one line an operator can act on.
import type { z } from 'zod';
import { ErrorSchema } from '../../workers/api/schemas.js';
import { CliError, usageError } from './errors.js';

export interface Connection {
  /** The Worker's base URL, e.g. https://edge-sentinel.example.workers.dev (no trailing path). */
  readonly url: string;
  readonly adminToken: string | undefined;
  readonly readToken: string | undefined;
  /** Bound on one request (a long-poll adds its own wait to it). */
  readonly timeoutMs: number;
}

/** Checks the URL once, so a typo is a usage error (exit 2) and not a network failure. */
export function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--url ${JSON.stringify(url)} is not a URL (e.g. http://127.0.0.1:8787)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usageError(`--url ${JSON.stringify(url)}: expected http:// or https://`);
  }
  return parsed.href.replace(/\/+$/, '');
}

export class ApiClient {
  constructor(readonly connection: Connection) {}

  /** A read: the read token when given, else the admin token (the API accepts either). */
  async read<S extends z.ZodType>(path: string, schema: S, extraWaitMs = 0): Promise<z.infer<S>> {
    const response = await this.send(path, { headers: this.readHeaders() }, extraWaitMs);
    return this.answer(path, response, schema);
  }

  /** An operator action: needs the admin token (POST unless told otherwise, e.g. PUT for settings). */
  async admin<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    method: 'POST' | 'PUT' | 'DELETE' = 'POST',
  ): Promise<z.infer<S>> {
    const token = this.connection.adminToken;
    if (token === undefined || token === '') {
      throw usageError('this command needs the admin token: --admin-token or EDGE_SENTINEL_ADMIN_TOKEN');
    }
    const response = await this.send(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return this.answer(path, response, schema);
  }

  /** Opens a Server-Sent Events stream (the caller reads and closes it). */
  async stream(path: string, lastEventId: number, signal: AbortSignal): Promise<Response> {
    const headers = {
      ...this.readHeaders(),
      Accept: 'text/event-stream',
      'Last-Event-ID': String(lastEventId),
    };
    let response: Response;
    try {
      response = await fetch(this.urlOf(path), { headers, signal });
    } catch (error) {
      throw this.unreachable(error);
    }
    if (response.status !== 200 || response.body === null) {
      throw await this.refusal(path, response);
    }
    return response;
  }

  private readHeaders(): Record<string, string> {
    const token = this.connection.readToken || this.connection.adminToken;
    return token === undefined || token === '' ? {} : { Authorization: `Bearer ${token}` };
  }

  private urlOf(path: string): string {
    return `${this.connection.url}${path}`;
  }

  private async send(path: string, init: RequestInit, extraWaitMs = 0): Promise<Response> {
    try {
      return await fetch(this.urlOf(path), {
        ...init,
        signal: AbortSignal.timeout(this.connection.timeoutMs + extraWaitMs),
      });
    } catch (error) {
      throw this.unreachable(error);
    }
  }

  private async answer<S extends z.ZodType>(
    path: string,
    response: Response,
    schema: S,
  ): Promise<z.infer<S>> {
    if (response.status < 200 || response.status > 299) throw await this.refusal(path, response);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CliError(`${path}: the answer is not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliError(
        `${path}: unexpected answer (${issue?.path.join('.') || 'body'}: ${issue?.message}); is ${this.connection.url} an edge-sentinel coordinator of this version?`,
      );
    }
    return parsed.data;
  }

  /** One line from an error answer: status, the API's code and message, and a hint for auth. */
  private async refusal(path: string, response: Response): Promise<CliError> {
    const text = await response.text().catch(() => '');
    let detail = text.slice(0, 300);
    try {
      const body = ErrorSchema.safeParse(JSON.parse(text));
      if (body.success) detail = `${body.data.error.code}: ${body.data.error.message}`;
    } catch {
      // Not JSON (a proxy's page): keep the start of the text.
    }
    const hint =
      response.status === 401 || response.status === 403
        ? ' (tokens: --read-token / EDGE_SENTINEL_READ_TOKEN for reads, --admin-token / EDGE_SENTINEL_ADMIN_TOKEN for actions)'
        : '';
    return new CliError(`${path}: HTTP ${response.status} ${detail}${hint}`);
  }

  private unreachable(error: unknown): CliError {
    const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
    const why =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${this.connection.timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? String(error));
    return new CliError(`cannot reach the coordinator at ${this.connection.url}: ${why}`);
  }
}
