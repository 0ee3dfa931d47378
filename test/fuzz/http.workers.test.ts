// Fuzzing the edge API in the Workers runtime: random paths, query strings, credentials, Last-Event-ID,
// content types and bodies get an answer below 500 (4xx with a JSON error body), never a hang, and a
// valid request still works afterwards; against fake voters, and against the real voter objects.
import { describe, expect, inject, it } from 'vitest';
import { FakeNamespace } from '../workers/api/fake-voters.workers.js';
import { ADMIN_TOKEN, call, fakeEnv, READ_TOKEN, realEnv, tokenFor } from '../workers/api/harness.workers.js';
import { type FuzzCase, fuzzSettings, runFuzz } from './harness.js';
import { type Credentials, type FuzzRequest, randomRequest } from './http-requests.workers.js';

const FILE = 'test/fuzz/http.workers.test.ts';
const settings = fuzzSettings(inject('fuzzEnv') ?? {});
/** No request may take longer: long-polls are kept short by the generator, streams are cut after their first bytes. */
const REQUEST_BOUND_MS = 5000;
const AGENT_ID = 'fuzz-agent-1';

async function credentials(): Promise<Credentials> {
  return {
    admin: ADMIN_TOKEN,
    read: READ_TOKEN,
    agent: await tokenFor(AGENT_ID, 'mymaster'),
    agentId: AGENT_ID,
  };
}

function init(request: FuzzRequest): RequestInit {
  if (request.body === null) return { method: request.method, headers: request.headers };
  if (!request.streamed) return { method: request.method, headers: request.headers, body: request.body };
  const bytes = new TextEncoder().encode(request.body);
  const chunkBytes = 1024;
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + chunkBytes));
      at += chunkBytes;
    },
  });
  return { method: request.method, headers: request.headers, body };
}

/** The answer's status and body text; a stream is read to its first bytes, then cancelled. */
async function answer(response: Response): Promise<{ status: number; type: string; text: string }> {
  const type = response.headers.get('Content-Type') ?? '';
  response.webSocket?.accept();
  response.webSocket?.close(1000, 'fuzz');
  if (type.includes('text/event-stream') && response.body !== null) {
    const reader = response.body.getReader();
    const first = await reader.read();
    await reader.cancel();
    return { status: response.status, type, text: new TextDecoder().decode(first.value ?? new Uint8Array()) };
  }
  return { status: response.status, type, text: await response.text() };
}

function checkAnswer(c: FuzzCase, request: FuzzRequest, got: { status: number; type: string; text: string }) {
  c.note('status', got.status);
  c.note('answer', got.text.slice(0, 300));
  expect(got.status, 'no 5xx').toBeLessThan(500);
  if (got.status < 400 || request.method === 'HEAD') return;
  expect(got.type).toContain('application/json');
  const body = JSON.parse(got.text) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
}

/** A plain read that must still work after the hostile request. */
async function stillServes(testEnv: object, readToken: boolean): Promise<void> {
  const headers: Record<string, string> = readToken ? { Authorization: `Bearer ${READ_TOKEN}` } : {};
  const res = await call('/v1/groups/mymaster/master', { headers }, testEnv);
  expect(res.status, await res.clone().text()).toBe(200);
  expect(await res.json()).toMatchObject({ group: 'mymaster', port: expect.any(Number) });
}

describe('fuzz: the edge API', () => {
  it('http/fake-voters: random requests against fake voters: below 500, JSON errors, no hang; reads still work', async () => {
    const target = {
      name: 'http/fake-voters',
      file: FILE,
      runs: 1200,
      caseTimeoutMs: REQUEST_BOUND_MS + 2000,
    };
    const creds = await credentials();
    const statuses = new Map<number, number>();
    let streamed = 0;
    await runFuzz(target, settings, async (c) => {
      const readToken = c.rng.chance(0.5);
      const testEnv = {
        ...fakeEnv(new FakeNamespace(), { readToken }),
        ...(c.rng.chance(0.5) ? { OUTAGE_DRILLS: 'on' } : {}),
      };
      const request = randomRequest(c.rng, creds, true);
      c.note('request', { ...request, body: request.body?.slice(0, 400) ?? null, readToken });
      if (request.streamed) streamed++;
      const got = await answer(await call(request.path, init(request), testEnv));
      statuses.set(got.status, (statuses.get(got.status) ?? 0) + 1);
      checkAnswer(c, request, got);
      await stillServes(testEnv, readToken);
    });
    console.log(
      `http/fake-voters statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, ${streamed} streamed bodies`,
    );
  });

  it('http/real-voters: random requests against the real voter objects (no valid admin or agent token): the same', async () => {
    const target = {
      name: 'http/real-voters',
      file: FILE,
      runs: 300,
      caseTimeoutMs: REQUEST_BOUND_MS + 2000,
    };
    // Without valid write credentials, nothing here changes the voters' state.
    const junk: Credentials = {
      admin: 'not-the-admin-token',
      read: 'not-a-read-token',
      agent: 'f'.repeat(64),
      agentId: AGENT_ID,
    };
    await runFuzz(target, settings, async (c) => {
      const request = randomRequest(c.rng, junk, false);
      c.note('request', { ...request, body: request.body?.slice(0, 400) ?? null });
      checkAnswer(c, request, await answer(await call(request.path, init(request), realEnv())));
      if (c.rng.chance(0.25)) await stillServes(realEnv(), false);
    });
    await stillServes(realEnv(), false);
  });
});
