// COMMAND LIST / INFO / DOCS generated from the one command table: subcommands listed and found by full name, docs for every command.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../../agent/sentinel/command-spec.js';
import { COMMANDS } from '../../../agent/sentinel/commands/index.js';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { takeRunLock } from './support/run-lock.js';

/** This file's port; concurrent runs of it (other sessions) take turns. */
const PORT = 8905;
let server: SentinelServer;
let client: Redis;
let releaseLock: (() => void) | null = null;

beforeAll(async () => {
  releaseLock = await takeRunLock('command-docs-test', 120_000);
  const source = new FakeSource({
    myId: MY_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  server = await startSentinelServer({ host: '127.0.0.1', port: PORT, source });
  client = new Redis({ host: '127.0.0.1', port: server.port, protocol: 2, lazyConnect: false });
}, 130_000);

afterAll(async () => {
  client.disconnect();
  await server.close();
  releaseLock?.();
});

const every = (specs: readonly CommandSpec[]): CommandSpec[] =>
  specs.flatMap((s) => [s, ...every(s.subcommands ?? [])]);

/** RESP2 flat field/value array as a record. */
function record(flat: unknown): Record<string, unknown> {
  const list = flat as unknown[];
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = list[i + 1];
  return out;
}

describe('COMMAND from the command table', () => {
  it('documents every command and subcommand served, in Redis 7.2 form', () => {
    for (const spec of every(COMMANDS)) {
      expect(spec.docs.summary, spec.name).toMatch(/\S/);
      expect(spec.docs.since, spec.name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(['connection', 'server', 'pubsub', 'sentinel'], spec.name).toContain(spec.docs.group);
    }
  });

  it('COMMAND LIST names every command and its subcommands (client|setinfo among them)', async () => {
    const names = (await client.call('COMMAND', 'LIST')) as string[];
    expect(names).toEqual(every(COMMANDS).map((s) => s.name));
    expect(names).toContain('client|setinfo');
    expect(names).toContain('sentinel|ckquorum');
    expect(await client.call('COMMAND', 'COUNT')).toBe(COMMANDS.length);
  });

  it('COMMAND LIST FILTERBY PATTERN matches full names, ignoring case; bad options are a syntax error', async () => {
    expect(await client.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'CLIENT|SET*')).toEqual([
      'client|setname',
      'client|setinfo',
    ]);
    // Redis's categories: @pubsub is the subscribe family and PUBLISH.
    expect(await client.call('COMMAND', 'LIST', 'filterby', 'aclcat', 'pubsub')).toEqual([
      'subscribe',
      'unsubscribe',
      'psubscribe',
      'punsubscribe',
      'publish',
    ]);
    await expect(client.call('COMMAND', 'LIST', 'FILTERBY', 'bogus', 'x')).rejects.toThrow(
      'ERR syntax error',
    );
    await expect(client.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN')).rejects.toThrow('ERR syntax error');
  });

  it('COMMAND INFO and COMMAND DOCS find a subcommand by its full name', async () => {
    const [info] = (await client.call('COMMAND', 'INFO', 'CLIENT|SETINFO')) as unknown[][];
    expect(info?.slice(0, 2)).toEqual(['client|setinfo', 4]);
    const docs = record(await client.call('COMMAND', 'DOCS', 'client|setinfo'));
    expect(Object.keys(docs)).toEqual(['client|setinfo']);
    expect(record(docs['client|setinfo'])).toMatchObject({ since: '7.2.0', group: 'connection' });
  });

  it('COMMAND DOCS without names documents every command, subcommands nested', async () => {
    const docs = record(await client.call('COMMAND', 'DOCS'));
    expect(Object.keys(docs)).toEqual(COMMANDS.map((c) => c.name));
    const sentinel = record(docs.sentinel);
    expect(sentinel).toMatchObject({
      summary: 'A container for Redis Sentinel commands.',
      group: 'sentinel',
    });
    const subcommands = record(sentinel.subcommands);
    expect(Object.keys(subcommands)).toEqual(
      COMMANDS.find((c) => c.name === 'sentinel')?.subcommands?.map((s) => s.name),
    );
    expect(record(subcommands['sentinel|slaves'])).toMatchObject({
      doc_flags: ['deprecated'],
      deprecated_since: '5.0.0',
      replaced_by: '`SENTINEL REPLICAS`',
    });
    const ckquorum = record(subcommands['sentinel|ckquorum']);
    expect((ckquorum.arguments as unknown[]).map(record)).toEqual([
      { name: 'master-name', type: 'string', display_text: 'master-name' },
    ]);
  });
});
