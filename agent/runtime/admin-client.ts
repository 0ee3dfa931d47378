// The coordinator's admin API, for SENTINEL FAILOVER [COORDINATED] forwarded by the Sentinel surface (SENTINEL RESET is local).
import type { FailoverKind, FailoverOutcome } from '../sentinel/source.js';

const TIMEOUT_MS = 10_000;

export class AdminClient {
  constructor(
    private readonly coordinatorUrl: string,
    private readonly adminToken: string | undefined,
  ) {}

  /** `failover` posts .../failover; `switchover` the coordinated, zero-loss .../switchover. */
  async failover(group: string, kind: FailoverKind = 'failover'): Promise<FailoverOutcome> {
    if (this.adminToken === undefined) return { ok: false, code: 'ERR', message: NO_TOKEN };
    const answer = await this.post(group, kind);
    if (answer.status === 202) return { ok: true };
    if (answer.code === 'failover_in_progress') return { ok: false, code: 'INPROG', message: answer.message };
    if (answer.code === 'no_good_replica') return { ok: false, code: 'NOGOODSLAVE', message: answer.message };
    return { ok: false, code: 'ERR', message: `coordinator answered ${answer.status}: ${answer.message}` };
  }

  private async post(
    group: string,
    action: string,
  ): Promise<{ status: number; code: string; message: string }> {
    const url = `${this.coordinatorUrl}/v1/groups/${encodeURIComponent(group)}/${action}`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.adminToken}`, 'Content-Type': 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await res.text();
      let code = '';
      let message = text.slice(0, 300);
      try {
        const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        if (typeof body.error?.code === 'string') code = body.error.code;
        if (typeof body.error?.message === 'string') message = body.error.message;
      } catch {
        // Not JSON: keep the text.
      }
      return { status: res.status, code, message };
    } catch (error) {
      return { status: 0, code: 'unreachable', message: `coordinator unreachable: ${String(error)}` };
    }
  }
}

const NO_TOKEN =
  'this agent has no admin token: set coordinator.adminToken (or EDGE_SENTINEL_ADMIN_TOKEN) to forward it';
