// The voter's SQLite tables (ctx.storage.sql): schema, validated loads, and writes that count their rows.
import type { AgentRecord, DurableState, VoterEvent } from '../core/types.js';
import type { EventName } from '../protocol/index.js';
import type { StoredEvent } from './contract.js';
import { type MutableCounters, parseCounters } from './counters.js';
import { AgentRecordSchema, DurableStateSchema, type Volatile, VolatileSchema } from './schemas.js';
import type { OutboxRow, WebhookOutbox } from './webhooks.js';

/** Events kept per voter; older ones are deleted as new ones arrive. */
export const EVENT_RETENTION = 10_000;
/** Webhook deliveries kept pending at most; beyond it the oldest are dropped (and logged). */
export const OUTBOX_LIMIT = 5_000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // One row. promised_epoch is a column so the write can be compare-and-set on the epoch.
  `CREATE TABLE IF NOT EXISTS durable (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     promised_epoch INTEGER NOT NULL,
     state TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS agents (agent_id TEXT PRIMARY KEY, record TEXT NOT NULL)`,
  // AUTOINCREMENT: ids never repeat, even after retention deleted the newest rows' predecessors.
  `CREATE TABLE IF NOT EXISTS events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     name TEXT NOT NULL,
     payload TEXT NOT NULL,
     epoch INTEGER NOT NULL,
     reason TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS webhook_outbox (
     event_id INTEGER NOT NULL,
     hook INTEGER NOT NULL,
     attempts INTEGER NOT NULL,
     next_at INTEGER NOT NULL,
     PRIMARY KEY (event_id, hook))`,
  `CREATE TABLE IF NOT EXISTS counters (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL)`,
];

export interface Identity {
  readonly group: string;
  readonly index: number;
}

type Row = Record<string, SqlStorageValue>;

export class VoterStore implements WebhookOutbox {
  constructor(
    private readonly sql: SqlStorage,
    /** Every write adds the rows it wrote here (what Cloudflare bills). */
    private readonly counters: MutableCounters,
  ) {}

  migrate(): void {
    for (const statement of SCHEMA) this.sql.exec(statement);
  }

  private write(query: string, ...bindings: SqlStorageValue[]): number {
    const cursor = this.sql.exec(query, ...bindings);
    cursor.toArray();
    this.counters.rowsWritten += cursor.rowsWritten;
    return cursor.rowsWritten;
  }

  private rows(query: string, ...bindings: SqlStorageValue[]): Row[] {
    return this.sql.exec<Row>(query, ...bindings).toArray();
  }

  private meta(key: string): string | null {
    const row = this.rows('SELECT value FROM meta WHERE key = ?', key)[0];
    return row === undefined ? null : String(row.value);
  }

  private setMeta(key: string, value: string): void {
    this.write(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      key,
      value,
    );
  }

  /** Whether an outage drill holds this voter down (survives eviction: a down voter gets no traffic). */
  loadOutage(): boolean {
    return this.meta('outage') === 'down';
  }

  saveOutage(down: boolean): void {
    this.setMeta('outage', down ? 'down' : 'up');
  }

  identity(): Identity | null {
    const group = this.meta('group');
    const index = this.meta('index');
    if (group === null || index === null) return null;
    return { group, index: Number(index) };
  }

  saveIdentity(identity: Identity): void {
    this.setMeta('group', identity.group);
    this.setMeta('index', String(identity.index));
  }

  loadCounters(): MutableCounters {
    const row = this.rows('SELECT value FROM counters WHERE id = 1')[0];
    return parseCounters(row === undefined ? null : String(row.value));
  }

  /** Saved only inside a transaction that writes something else: counting is never a write of its own. */
  saveCounters(): void {
    // The counters row itself is one more row written; count it before serialising.
    this.counters.rowsWritten += 1;
    this.sql.exec(
      'INSERT INTO counters (id, value) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value',
      JSON.stringify(this.counters),
    );
  }

  loadDurable(): DurableState | null {
    const row = this.rows('SELECT promised_epoch, state FROM durable WHERE id = 1')[0];
    if (row === undefined) return null;
    const parsed = DurableStateSchema.safeParse(JSON.parse(String(row.state)));
    if (!parsed.success) throw new Error(`stored durable state is invalid: ${parsed.error.message}`);
    if (parsed.data.promisedEpoch !== Number(row.promised_epoch))
      throw new Error('stored durable state disagrees with its promised_epoch column');
    return parsed.data;
  }

  /** Compare-and-set on the epoch: a write that would lower the promised epoch is a crash. */
  saveDurable(durable: DurableState): void {
    const written = this.write(
      `INSERT INTO durable (id, promised_epoch, state) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET promised_epoch = excluded.promised_epoch, state = excluded.state
       WHERE durable.promised_epoch <= excluded.promised_epoch`,
      durable.promisedEpoch,
      JSON.stringify(durable),
    );
    if (written === 0)
      throw new Error(`refused to lower the stored promised epoch to ${durable.promisedEpoch}`);
  }

  loadVolatile(): Volatile | null {
    const json = this.meta('volatile');
    if (json === null) return null;
    const parsed = VolatileSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  }

  saveVolatile(volatile: Volatile): void {
    this.setMeta('volatile', JSON.stringify(volatile));
  }

  /** Records that fail validation are dropped: the agent's next message rebuilds them. */
  loadAgents(): AgentRecord[] {
    const records: AgentRecord[] = [];
    for (const row of this.rows('SELECT agent_id, record FROM agents ORDER BY agent_id')) {
      const parsed = AgentRecordSchema.safeParse(JSON.parse(String(row.record)));
      if (parsed.success) records.push(parsed.data);
      else
        console.warn(`voter: dropped invalid stored agent ${String(row.agent_id)}: ${parsed.error.message}`);
    }
    return records;
  }

  saveAgent(record: AgentRecord): void {
    this.write(
      'INSERT INTO agents (agent_id, record) VALUES (?, ?) ON CONFLICT (agent_id) DO UPDATE SET record = excluded.record',
      record.agentId,
      JSON.stringify(record),
    );
  }

  deleteAgent(agentId: string): void {
    this.write('DELETE FROM agents WHERE agent_id = ?', agentId);
  }

  deleteAllAgents(): void {
    this.write('DELETE FROM agents');
  }

  agentCount(): number {
    return Number(this.rows('SELECT count(*) AS n FROM agents')[0]?.n ?? 0);
  }

  insertEvent(event: VoterEvent, atMs: number): StoredEvent {
    const at = new Date(atMs).toISOString();
    const cursor = this.sql.exec<{ id: number }>(
      'INSERT INTO events (at, name, payload, epoch, reason) VALUES (?, ?, ?, ?, ?) RETURNING id',
      at,
      event.name,
      event.payload,
      event.epoch,
      event.reason,
    );
    const row = cursor.one();
    this.counters.rowsWritten += cursor.rowsWritten;
    return { id: Number(row.id), at, ...event };
  }

  trimEvents(lastId: number): void {
    this.write('DELETE FROM events WHERE id <= ?', lastId - EVENT_RETENTION);
  }

  lastEventId(): number {
    return Number(this.rows('SELECT max(id) AS id FROM events')[0]?.id ?? 0);
  }

  events(after: number, limit: number): StoredEvent[] {
    return this.rows(
      'SELECT id, at, name, payload, epoch, reason FROM events WHERE id > ? ORDER BY id LIMIT ?',
      after,
      limit,
    ).map(toEvent);
  }

  event(id: number): StoredEvent | null {
    const row = this.rows('SELECT id, at, name, payload, epoch, reason FROM events WHERE id = ?', id)[0];
    return row === undefined ? null : toEvent(row);
  }

  /** A delivery is stored already claimed by its first attempt (attempts 1, due again at `nextAt`). */
  enqueueWebhook(eventId: number, hook: number, nextAt: number): OutboxRow {
    this.write(
      'INSERT OR IGNORE INTO webhook_outbox (event_id, hook, attempts, next_at) VALUES (?, ?, 1, ?)',
      eventId,
      hook,
      nextAt,
    );
    return { eventId, hook, attempts: 1, nextAt };
  }

  /** Keeps the outbox bounded; returns how many of the oldest deliveries were dropped. */
  trimOutbox(): number {
    const count = Number(this.rows('SELECT count(*) AS n FROM webhook_outbox')[0]?.n ?? 0);
    if (count <= OUTBOX_LIMIT) return 0;
    return this.write(
      `DELETE FROM webhook_outbox WHERE rowid IN
         (SELECT rowid FROM webhook_outbox ORDER BY event_id LIMIT ?)`,
      count - OUTBOX_LIMIT,
    );
  }

  dueWebhooks(nowMs: number, limit: number): OutboxRow[] {
    return this.rows(
      'SELECT event_id, hook, attempts, next_at FROM webhook_outbox WHERE next_at <= ? ORDER BY next_at, event_id LIMIT ?',
      nowMs,
      limit,
    ).map((r) => ({
      eventId: Number(r.event_id),
      hook: Number(r.hook),
      attempts: Number(r.attempts),
      nextAt: Number(r.next_at),
    }));
  }

  rescheduleWebhook(row: OutboxRow, attempts: number, nextAt: number): void {
    this.write(
      'UPDATE webhook_outbox SET attempts = ?, next_at = ? WHERE event_id = ? AND hook = ?',
      attempts,
      nextAt,
      row.eventId,
      row.hook,
    );
  }

  deleteWebhook(row: OutboxRow): void {
    this.write('DELETE FROM webhook_outbox WHERE event_id = ? AND hook = ?', row.eventId, row.hook);
  }

  earliestWebhookAt(): number | null {
    const value = this.rows('SELECT min(next_at) AS at FROM webhook_outbox')[0]?.at;
    return value === null || value === undefined ? null : Number(value);
  }

  pendingWebhooks(): number {
    return Number(this.rows('SELECT count(*) AS n FROM webhook_outbox')[0]?.n ?? 0);
  }
}

function toEvent(row: Row): StoredEvent {
  return {
    id: Number(row.id),
    at: String(row.at),
    // Written only from the closed list; the list only grows, so an older row still belongs to it.
    name: String(row.name) as EventName,
    payload: String(row.payload),
    epoch: Number(row.epoch),
    reason: String(row.reason),
  };
}
