// The coordinator's admin API for the Sentinel surface: SENTINEL FAILOVER [COORDINATED] and SENTINEL SET (SENTINEL RESET is local).
import { z } from 'zod';
import type { FailoverKind, FailoverOutcome, SettingsChange } from '../sentinel/source.js';

const TIMEOUT_MS = 10_000;

/** What the agent reads of PUT /v1/groups/:group/settings's 200 answer: the version the majority holds. */
const SettingsWriteAnswerSchema = z.object({ settingsVersion: z.number().int().min(0) });

export type SettingsWriteOutcome =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly message: string };

interface Answer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** The parsed JSON body (null when it was not JSON). */
  readonly body: unknown;
}

export class AdminClient {
  constructor(
    private readonly coordinatorUrl: string,
    private readonly adminToken: string | undefined,
  ) {}

  /** `failover` posts .../failover; `switchover` the coordinated, zero-loss .../switchover. */
  async failover(group: string, kind: FailoverKind = 'failover'): Promise<FailoverOutcome> {
    if (this.adminToken === undefined) return { ok: false, code: 'ERR', message: NO_TOKEN };
    const answer = await this.send('POST', group, kind, {});
    if (answer.status === 202) return { ok: true };
    if (answer.code === 'failover_in_progress') return { ok: false, code: 'INPROG', message: answer.message };
    if (answer.code === 'no_good_replica') return { ok: false, code: 'NOGOODSLAVE', message: answer.message };
    return { ok: false, code: 'ERR', message: `coordinator answered ${answer.status}: ${answer.message}` };
  }

  /**
   * `SENTINEL SET`: one PUT of the settings patch. 200 means a majority of voters holds it (the
   * answer's version); 503 (no majority), 409 (superseded by a concurrent write) and 400 (e.g. a
   * quorum above the group's nodes) come back with the coordinator's own sentence.
   */
  async putSettings(group: string, change: SettingsChange): Promise<SettingsWriteOutcome> {
    if (this.adminToken === undefined) return { ok: false, message: NO_TOKEN };
    const answer = await this.send('PUT', group, 'settings', change);
    if (answer.status === 200) {
      const parsed = SettingsWriteAnswerSchema.safeParse(answer.body);
      if (parsed.success) return { ok: true, version: parsed.data.settingsVersion };
      return {
        ok: false,
        message: 'the coordinator accepted the settings but its answer has no settingsVersion',
      };
    }
    if (answer.status === 0) return { ok: false, message: answer.message };
    const code = answer.code === '' ? '' : ` ${answer.code}`;
    return {
      ok: false,
      message: `coordinator refused the settings (${answer.status}${code}): ${answer.message}`,
    };
  }

  private async send(method: 'POST' | 'PUT', group: string, action: string, body: object): Promise<Answer> {
    const url = `${this.coordinatorUrl}/v1/groups/${encodeURIComponent(group)}/${action}`;
    try {
      const res = await fetch(url, {
        method,
        headers: { Authorization: `Bearer ${this.adminToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await res.text();
      let code = '';
      let message = text.slice(0, 300);
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
        const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
        if (typeof error?.code === 'string') code = error.code;
        if (typeof error?.message === 'string') message = error.message;
      } catch {
        // Not JSON: keep the text.
      }
      return { status: res.status, code, message, body: parsed };
    } catch (error) {
      return {
        status: 0,
        code: 'unreachable',
        message: `coordinator unreachable: ${String(error)}`,
        body: null,
      };
    }
  }
}

const NO_TOKEN =
  'this agent has no admin token: set coordinator.adminToken (or EDGE_SENTINEL_ADMIN_TOKEN) in its file to forward it to the coordinator';
