// `edge-sentinel history`: the failovers and switchovers of a group, rebuilt from the voters' event
// logs (pure). Each epoch that began an election is one change: its cause, the master it moved from
// and to, when it began, when the new master was published, or why it was abandoned.
import type { z } from 'zod';
import type { EventSchema } from '../../workers/api/schemas.js';

type Event = z.infer<typeof EventSchema>;

export type ChangeCause = 'failover' | 'manual' | 'switchover' | 'retry' | 'reaffirm' | 'unknown';

export interface Change {
  readonly epoch: number;
  /** failover: the voters saw the master ODOWN; manual: `failover` by an operator; switchover: `switchover`. */
  readonly cause: ChangeCause;
  readonly from: string | null;
  readonly to: string | null;
  /** The first sign of the election at any voter (ISO 8601, the voters' clocks). */
  readonly startedAt: string;
  /** For a failover: the +odown that preceded it. */
  readonly detectedAt: string | null;
  /** When the new master was published (+switch-master), or the change finished (+failover-end). */
  readonly endedAt: string | null;
  /** endedAt − startedAt. */
  readonly durationMs: number | null;
  readonly outcome: 'done' | 'aborted' | 'in progress';
  /** For an aborted change: the abort event and its reason. */
  readonly abort: { readonly name: string; readonly reason: string } | null;
}

const ELECTION = new Set([
  '+new-epoch',
  '+try-failover',
  '+vote-for-leader',
  '+elected-leader',
  '+selected-slave',
]);
const CAUSES = new Set<string>(['failover', 'manual', 'switchover', 'retry', 'reaffirm']);
/** `(failover from 127.0.0.1:7001)`, `(switchover from A to B)` in +try-failover and +vote-for-leader reasons. */
const PURPOSE = /\((failover|manual|switchover|retry) from (\S+?)(?: to (\S+?))?\)/;
/** An +odown older than this before the election is not what started it. */
const DETECTION_WINDOW_MS = 120_000;

interface Draft {
  epoch: number;
  cause: ChangeCause;
  from: string | null;
  to: string | null;
  startedMs: number;
  endedMs: number | null;
  committed: boolean;
  switched: boolean;
  abort: { name: string; reason: string } | null;
}

/** Every change in epoch order; `events` may hold the same event from several voters, in any order. */
export function historyOf(events: readonly Event[]): Change[] {
  const drafts = new Map<number, Draft>();
  const odowns: number[] = [];
  const sorted = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const event of sorted) {
    const atMs = Date.parse(event.at);
    if (event.name === '+odown') odowns.push(atMs);
    if (event.epoch <= 0 || !concerns(event.name)) continue;
    let draft = drafts.get(event.epoch);
    if (draft === undefined) {
      draft = {
        epoch: event.epoch,
        cause: 'unknown',
        from: null,
        to: null,
        startedMs: atMs,
        endedMs: null,
        committed: false,
        switched: false,
        abort: null,
      };
      drafts.set(event.epoch, draft);
    }
    apply(draft, event, atMs);
  }
  let previousEndMs = Number.NEGATIVE_INFINITY;
  return [...drafts.values()]
    .sort((a, b) => a.epoch - b.epoch)
    .map((d) => {
      // The first +odown of the burst that started it: after the previous change ended, not long before.
      const detectedMs =
        d.cause === 'failover' || d.cause === 'retry'
          ? odowns.find(
              (t) => t > previousEndMs && t <= d.startedMs && d.startedMs - t <= DETECTION_WINDOW_MS,
            )
          : undefined;
      previousEndMs = d.endedMs ?? d.startedMs;
      return {
        epoch: d.epoch,
        cause: d.cause,
        from: d.from,
        to: d.to,
        startedAt: new Date(d.startedMs).toISOString(),
        detectedAt: detectedMs === undefined ? null : new Date(detectedMs).toISOString(),
        endedAt: d.endedMs === null ? null : new Date(d.endedMs).toISOString(),
        durationMs: d.endedMs === null ? null : d.endedMs - d.startedMs,
        outcome: d.endedMs !== null ? 'done' : d.abort !== null && !d.committed ? 'aborted' : 'in progress',
        abort: d.endedMs === null && !d.committed ? d.abort : null,
      };
    });
}

function concerns(name: string): boolean {
  return (
    ELECTION.has(name) ||
    name === '+config' ||
    name === '+switch-master' ||
    name === '+failover-end' ||
    name.startsWith('-failover-abort')
  );
}

function apply(draft: Draft, event: Event, atMs: number): void {
  draft.startedMs = Math.min(draft.startedMs, atMs);
  const words = event.payload.split(' ');
  const purpose = PURPOSE.exec(event.reason);
  if (purpose !== null && draft.cause === 'unknown') draft.cause = purpose[1] as ChangeCause;
  if (purpose !== null) {
    draft.from ??= purpose[2] ?? null;
    if (purpose[3] !== undefined) draft.to ??= purpose[3];
  }
  switch (event.name) {
    case '+config': {
      // `<master> <state> <epoch> <cause>` (the cause was added later: older logs have three words).
      draft.committed = true;
      draft.to = words[0] ?? draft.to;
      const cause = words[3];
      if (cause !== undefined && CAUSES.has(cause)) draft.cause = cause as ChangeCause;
      if (words[1] === 'active' && draft.cause === 'reaffirm') draft.endedMs ??= atMs;
      break;
    }
    case '+switch-master': {
      // `<group> <old ip> <old port> <new ip> <new port>`
      const [, oldIp, oldPort, newIp, newPort] = words;
      draft.from = `${oldIp}:${oldPort}`;
      draft.to = `${newIp}:${newPort}`;
      draft.switched = true;
      draft.endedMs = draft.endedMs === null ? atMs : Math.min(draft.endedMs, atMs);
      break;
    }
    case '+failover-end':
      if (!draft.switched) draft.endedMs ??= atMs;
      break;
    default:
      if (event.name.startsWith('-failover-abort') && draft.abort === null) {
        draft.abort = { name: event.name, reason: event.reason };
      }
  }
}
