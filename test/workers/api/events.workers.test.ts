// GET /v1/groups/:group/events: JSON pages by cursor and Server-Sent Events in id order.
import { describe, expect, it } from 'vitest';
import type { EventName } from '../../../workers/protocol/index.js';
import type { StoredEvent } from '../../../workers/voter/contract.js';
import { FakeNamespace } from './fake-voters.workers.js';
import { bearer, call, errorOf, fakeEnv, READ_TOKEN } from './harness.workers.js';

function event(id: number, name: EventName): StoredEvent {
  return {
    id,
    at: '2026-04-01T00:00:00.000Z',
    name,
    payload: 'master mymaster 127.0.0.1 7001',
    epoch: 0,
    reason: `event ${id}`,
  };
}

function withEvents(count: number): FakeNamespace {
  const voters = new FakeNamespace();
  const names: EventName[] = ['+sdown', '+odown', '+new-epoch', '+try-failover', '+switch-master'];
  voters.voter('mymaster', 0).log = Array.from({ length: count }, (_, i) =>
    event(i + 1, names[i % names.length] ?? '+sdown'),
  );
  voters.voter('mymaster', 1).log = [event(1, '-sdown')];
  return voters;
}

/** Reads SSE messages (blocks separated by a blank line) until `count` carry an id. */
async function readSse(res: Response, count: number): Promise<Array<Record<string, string>>> {
  const reader = res.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  const decoder = new TextDecoder();
  const messages: Array<Record<string, string>> = [];
  let buffer = '';
  while (messages.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
      }
      if (fields.id !== undefined) messages.push(fields);
      end = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return messages;
}

describe('GET /v1/groups/:group/events (JSON)', () => {
  it('pages by cursor from the first reachable voter', async () => {
    const voters = withEvents(5);
    const res = await call('/v1/groups/mymaster/events?after=1&limit=2', {}, fakeEnv(voters));
    expect(res.status).toBe(200);
    const page = (await res.json()) as { voter: number; events: StoredEvent[]; cursor: number };
    expect(page.voter).toBe(0);
    expect(page.events.map((e) => e.id)).toEqual([2, 3]);
    expect(page.cursor).toBe(3);
  });

  it('falls over to the next voter, or reads the one named by ?voter', async () => {
    const voters = withEvents(3);
    voters.voter('mymaster', 0).unreachable = true;
    const fallback = (await (await call('/v1/groups/mymaster/events', {}, fakeEnv(voters))).json()) as {
      voter: number;
    };
    expect(fallback.voter).toBe(1);
    const named = await call('/v1/groups/mymaster/events?voter=0', {}, fakeEnv(voters));
    expect(named.status).toBe(503);
    expect((await call('/v1/groups/mymaster/events?voter=3', {}, fakeEnv(voters))).status).toBe(404);
  });

  it('refuses a bad cursor with 400 naming the field', async () => {
    const res = await call('/v1/groups/mymaster/events?after=-1', {}, fakeEnv());
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('query.after');
  });

  it.each(['9999999999999999', '9007199254740992', 'abc', '-1', '1e3'])(
    'refuses Last-Event-ID %s with 400, before any voter is asked',
    async (id) => {
      const voters = withEvents(3);
      const res = await call(
        '/v1/groups/mymaster/events',
        { headers: { Accept: 'text/event-stream', 'Last-Event-ID': id } },
        fakeEnv(voters),
      );
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toContain('header.Last-Event-ID');
      expect(voters.voter('mymaster', 0).calls.get('events') ?? 0).toBe(0);
    },
  );

  it('answers 404 for an unknown group and 401/403 without the read token', async () => {
    expect((await call('/v1/groups/x/events', {}, fakeEnv())).status).toBe(404);
    const testEnv = fakeEnv(withEvents(1), { readToken: true });
    expect((await call('/v1/groups/mymaster/events', {}, testEnv)).status).toBe(401);
    expect((await call('/v1/groups/mymaster/events', bearer('wrong-token'), testEnv)).status).toBe(403);
    expect((await call('/v1/groups/mymaster/events', bearer(READ_TOKEN), testEnv)).status).toBe(200);
  });
});

describe('GET /v1/groups/:group/events (SSE)', () => {
  it('delivers the events in order with their ids and names', async () => {
    const voters = withEvents(5);
    const res = await call(
      '/v1/groups/mymaster/events',
      { headers: { Accept: 'text/event-stream' } },
      fakeEnv(voters),
    );
    expect(res.headers.get('Content-Type')).toContain('text/event-stream');
    const messages = await readSse(res, 5);
    expect(messages.map((m) => m.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(messages.map((m) => m.event)).toEqual([
      '+sdown',
      '+odown',
      '+new-epoch',
      '+try-failover',
      '+switch-master',
    ]);
    expect(JSON.parse(messages[4]?.data ?? '{}')).toMatchObject({ id: 5, name: '+switch-master', epoch: 0 });
  });

  it('resumes after Last-Event-ID and streams events appended later', async () => {
    const voters = withEvents(3);
    const res = await call(
      '/v1/groups/mymaster/events',
      { headers: { Accept: 'text/event-stream', 'Last-Event-ID': '2' } },
      fakeEnv(voters),
    );
    setTimeout(() => voters.voter('mymaster', 0).append(event(4, '+switch-master')), 100);
    const messages = await readSse(res, 2);
    expect(messages.map((m) => m.id)).toEqual(['3', '4']);
  });

  it('delivers events stored later promptly, in order with ids, without polling the voter', async () => {
    const voters = withEvents(2);
    const voter = voters.voter('mymaster', 0);
    const res = await call(
      '/v1/groups/mymaster/events',
      { headers: { Accept: 'text/event-stream' } },
      fakeEnv(voters),
    );
    const reading = readSse(res, 5);
    // Idle for a while: the stream is parked on the voter, not asking it for pages.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(voter.calls.get('events')).toBe(1);
    expect(voter.calls.get('waitForEvents')).toBe(1);
    const appendedAt = Date.now();
    voter.append(event(3, '+sdown'));
    voter.append(event(4, '+odown'));
    setTimeout(() => voter.append(event(5, '+switch-master')), 50);
    const messages = await reading;
    const elapsedMs = Date.now() - appendedAt;
    expect(messages.map((m) => [m.id, m.event])).toEqual([
      ['1', '+sdown'],
      ['2', '+odown'],
      ['3', '+sdown'],
      ['4', '+odown'],
      ['5', '+switch-master'],
    ]);
    expect(JSON.parse(messages[2]?.data ?? '{}')).toMatchObject({ id: 3, name: '+sdown' });
    // The old loop polled once a second; a woken wait delivers in milliseconds (event 5 comes 50 ms late).
    expect(elapsedMs).toBeLessThan(300);
  });
});
