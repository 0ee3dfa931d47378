// INFO parsing, table-driven over real redis-server 7.0.15 output (test/fixtures/info/capture.sh).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type CompleteInfo,
  DEFAULT_REPLICA_PRIORITY,
  type InfoReplication,
  LINK_NEVER_UP_MS,
  MAX_INFO_CHARS,
  parseInfo,
  parseNodeInfo,
  requireComplete,
  toNodeInfo,
} from '../../../agent/core/info-parser.js';
import type { NodeInfo } from '../../../agent/core/types.js';

const fixtureDir = fileURLToPath(new URL('../../fixtures/info/', import.meta.url));
const fixture = (name: string): string => readFileSync(`${fixtureDir}${name}.txt`, 'utf8');

function parsed(name: string): CompleteInfo {
  const result = parseInfo(fixture(name));
  if (!result.ok) throw new Error(`${name}: ${result.error}`);
  const complete = requireComplete(result.value);
  if (!complete.ok) throw new Error(`${name}: ${complete.error}`);
  return complete.value;
}

function parseError(text: string): string {
  const result = parseInfo(text);
  if (result.ok) throw new Error(`expected an error for ${JSON.stringify(text.slice(0, 60))}`);
  return result.error;
}

/** A minimal, well-formed INFO of a replica, to which the malformed cases make one change. */
const REPLICA_TEXT = [
  '# Server',
  'redis_version:7.0.15',
  'run_id:0123456789abcdef0123456789abcdef01234567',
  'tcp_port:7002',
  'uptime_in_seconds:42',
  '# Replication',
  'role:slave',
  'master_host:10.0.0.1',
  'master_port:7001',
  'master_link_status:up',
  'master_last_io_seconds_ago:0',
  'master_sync_in_progress:0',
  'slave_repl_offset:1000',
  'slave_priority:100',
  'slave_read_only:1',
  'connected_slaves:0',
  'master_replid:ffffffffffffffffffffffffffffffffffffffff',
  'master_repl_offset:1000',
  '# Keyspace',
  'db0:keys=3,expires=0,avg_ttl=0',
  '',
].join('\r\n');

const withLine = (from: string, to: string): string => {
  expect(REPLICA_TEXT).toContain(from);
  return REPLICA_TEXT.replace(from, to);
};

describe('parseInfo on real redis-server 7.0.15 output', () => {
  // Run ids and offsets belong to one capture run; the table asserts what capture.sh makes stable.
  const master = parsed('master-two-replicas');
  const masterOffset = master.replication.offsetBytes;

  const cases: Array<{
    file: string;
    replication: Partial<InfoReplication>;
    node: Partial<NodeInfo>;
  }> = [
    {
      file: 'fresh-empty-master',
      replication: { role: 'master', masterHost: null, connectedReplicas: [], offsetBytes: 0, linkUp: false },
      node: { role: 'master', masterNode: null, linkUp: false, linkDownMs: 0, keys: 0, priority: 100 },
    },
    {
      file: 'master-two-replicas',
      replication: {
        role: 'master',
        masterHost: null,
        masterPort: null,
        syncInProgress: false,
        readOnly: false,
      },
      node: { role: 'master', masterNode: null, keys: 8, priority: DEFAULT_REPLICA_PRIORITY },
    },
    {
      file: 'replica-link-up',
      replication: {
        role: 'replica',
        masterHost: '127.0.0.1',
        masterPort: 7101,
        linkUp: true,
        linkDownSinceSeconds: null,
        linkNeverUp: false,
        syncInProgress: false,
        offsetBytes: masterOffset,
        replicaPriority: 100,
        readOnly: true,
        masterReplid: master.replication.masterReplid,
      },
      node: {
        role: 'replica',
        masterNode: '127.0.0.1:7101',
        linkUp: true,
        linkDownMs: 0,
        keys: 8,
        priority: 100,
      },
    },
    {
      file: 'replica-priority-zero',
      replication: { role: 'replica', replicaPriority: 0, linkUp: true, offsetBytes: masterOffset },
      node: { role: 'replica', masterNode: '127.0.0.1:7101', priority: 0 },
    },
    {
      file: 'replica-master-gone',
      replication: {
        role: 'replica',
        linkUp: false,
        linkNeverUp: false,
        lastIoSecondsAgo: null,
        offsetBytes: masterOffset,
      },
      node: { role: 'replica', masterNode: '127.0.0.1:7101', linkUp: false, keys: 8 },
    },
    {
      file: 'replica-syncing',
      // A replica that has never synced reports slave_repl_offset:1 (Redis's default), not 0.
      replication: {
        role: 'replica',
        syncInProgress: true,
        linkUp: false,
        linkNeverUp: true,
        offsetBytes: 1,
      },
      node: {
        role: 'replica',
        masterNode: '127.0.0.1:7105',
        linkUp: false,
        linkDownMs: LINK_NEVER_UP_MS,
        keys: 0,
      },
    },
    {
      file: 'replica-after-sync',
      replication: {
        role: 'replica',
        syncInProgress: false,
        linkUp: true,
        linkNeverUp: false,
        offsetBytes: 0,
      },
      node: { role: 'replica', masterNode: '127.0.0.1:7105', linkUp: true, linkDownMs: 0, keys: 20 },
    },
    {
      file: 'replica-never-connected',
      replication: {
        role: 'replica',
        masterPort: 7110,
        linkUp: false,
        linkNeverUp: true,
        linkDownSinceSeconds: null,
      },
      node: { role: 'replica', masterNode: '127.0.0.1:7110', linkDownMs: LINK_NEVER_UP_MS, keys: 0 },
    },
    {
      file: 'promoted-replica',
      replication: { role: 'master', masterHost: null, offsetBytes: masterOffset, connectedReplicas: [] },
      node: { role: 'master', masterNode: null, linkUp: false, linkDownMs: 0, keys: 8, priority: 100 },
    },
  ];

  it.each(cases)('$file', ({ file, replication, node }) => {
    const info = parsed(file);
    expect(info.replication).toMatchObject(replication);
    expect(toNodeInfo(info, { fenced: false })).toMatchObject({
      ...node,
      runId: info.server.runId,
      fenced: false,
    });
    expect(info.server.redisVersion).toMatch(/^7\./);
    expect(info.server.runId).toMatch(/^[0-9a-f]{40}$/);
    expect(info.server.tcpPort).toBeGreaterThanOrEqual(7101);
  });

  it('reads the connected replicas of a master in index order', () => {
    expect(master.replication.connectedReplicas).toEqual([
      { host: '127.0.0.1', port: 7102, state: 'online', offsetBytes: masterOffset, lagSeconds: 0 },
      { host: '127.0.0.1', port: 7103, state: 'online', offsetBytes: masterOffset, lagSeconds: 0 },
    ]);
    expect(masterOffset).toBeGreaterThan(0);
  });

  it('reads a replica still waiting for its snapshot from the master side', () => {
    const sending = parsed('master-sending-sync');
    expect(sending.replication.connectedReplicas).toEqual([
      { host: '127.0.0.1', port: 7106, state: 'wait_bgsave', offsetBytes: 0, lagSeconds: 0 },
    ]);
  });

  it('reads keys per database and the total', () => {
    expect(master.keyspace.perDb.map(({ db, keys, expires }) => ({ db, keys, expires }))).toEqual([
      { db: 0, keys: 6, expires: 1 },
      { db: 3, keys: 2, expires: 0 },
    ]);
    expect(master.keyspace.keysTotal).toBe(8);
    expect(master.keyspace.perDb[0]?.avgTtlMs).toBeGreaterThan(3_500_000);
    expect(parsed('fresh-empty-master').keyspace).toEqual({ keysTotal: 0, perDb: [] });
  });

  it('turns how long the link has been down into milliseconds', () => {
    const gone = parsed('replica-master-gone');
    expect(gone.replication.linkDownSinceSeconds).toBeGreaterThanOrEqual(2);
    expect(toNodeInfo(gone, { fenced: false }).linkDownMs).toBe(
      (gone.replication.linkDownSinceSeconds ?? -1) * 1000,
    );
  });

  it('translates slave to replica and never lets `slave` through', () => {
    const files = cases.map((c) => c.file).concat('master-sending-sync');
    for (const file of files) {
      expect(fixture(file)).toMatch(/\r\n/);
      const info = parsed(file);
      expect(['master', 'replica']).toContain(info.replication.role);
      expect(JSON.stringify(info)).not.toMatch(/slave/i);
    }
    expect(fixture('replica-link-up')).toContain('role:slave');
  });

  it('gives the same result for LF and CRLF line ends', () => {
    const crlf = fixture('master-two-replicas');
    expect(parseInfo(crlf.replaceAll('\r\n', '\n'))).toEqual(parseInfo(crlf));
  });

  it('passes the agent fence flag through', () => {
    expect(toNodeInfo(parsed('replica-link-up'), { fenced: true }).fenced).toBe(true);
  });
});

describe('parseInfo on partial and unusual text', () => {
  it('reads one section alone, and parseNodeInfo names the missing ones', () => {
    const text = fixture('replica-link-up');
    const replicationOnly = text.slice(text.indexOf('# Replication'), text.indexOf('# CPU'));
    const result = parseInfo(replicationOnly);
    expect(result.ok && result.value.server === null && result.value.keyspace === null).toBe(true);
    expect(result.ok && result.value.replication?.role).toBe('replica');
    expect(parseNodeInfo(replicationOnly, { fenced: false })).toEqual({
      ok: false,
      error: 'INFO text lacks section(s): server, keyspace',
    });
  });

  it('tolerates comments, unknown fields, unknown sections and surrounding blanks', () => {
    const text = `\n# Something New\nfoo:bar\n${withLine('role:slave', 'role:slave\r\nfuture_field:1\r\n# just a comment')}\n\n`;
    const result = parseNodeInfo(text, { fenced: false });
    expect(result).toMatchObject({ ok: true, value: { role: 'replica', offsetBytes: 1000, keys: 3 } });
  });

  it('accepts the newer replica_* names and prefers them', () => {
    const text = withLine(
      'slave_priority:100',
      'slave_priority:100\r\nreplica_priority:5\r\nreplica_read_only:0',
    );
    expect(parseInfo(text)).toMatchObject({
      ok: true,
      value: { replication: { replicaPriority: 5, readOnly: false } },
    });
  });

  it('reads replica_announced (replica-announced no hides a replica from SENTINEL REPLICAS)', () => {
    const announced = (value: string) =>
      parseNodeInfo(withLine('slave_read_only:1', `slave_read_only:1\r\nreplica_announced:${value}`), {
        fenced: false,
      });
    expect(announced('0')).toMatchObject({ ok: true, value: { replicaAnnounced: false } });
    const shown = announced('1');
    expect(shown.ok && shown.value.replicaAnnounced).toBe(undefined);
    // Versions before 6.2 do not print it: announced.
    const old = parseNodeInfo(REPLICA_TEXT, { fenced: false });
    expect(old.ok && old.value.replicaAnnounced).toBe(undefined);
  });

  it('defaults the priority to 100 when a version does not print it', () => {
    const text = withLine('slave_priority:100\r\n', '');
    expect(parseNodeInfo(text, { fenced: false })).toMatchObject({
      ok: true,
      value: { priority: DEFAULT_REPLICA_PRIORITY },
    });
  });

  it('brackets an IPv6 master address and keeps hostnames', () => {
    const ipv6 = parseNodeInfo(withLine('master_host:10.0.0.1', 'master_host:::1'), { fenced: false });
    expect(ipv6).toMatchObject({ ok: true, value: { masterNode: '[::1]:7001' } });
    const named = parseNodeInfo(withLine('master_host:10.0.0.1', 'master_host:redis-a.internal'), {
      fenced: false,
    });
    expect(named).toMatchObject({ ok: true, value: { masterNode: 'redis-a.internal:7001' } });
  });

  it('treats a down link without master_link_down_since_seconds as never up', () => {
    const result = parseNodeInfo(withLine('master_link_status:up', 'master_link_status:down'), {
      fenced: false,
    });
    expect(result).toMatchObject({ ok: true, value: { linkUp: false, linkDownMs: LINK_NEVER_UP_MS } });
  });

  it('ignores fields that appear before any section header', () => {
    const result = parseInfo(`role:master\r\n${REPLICA_TEXT}`);
    expect(result).toMatchObject({ ok: true, value: { replication: { role: 'replica' } } });
  });
});

describe('parseInfo rejects malformed text with a clear error', () => {
  const cases: Array<{ name: string; text: string; error: RegExp }> = [
    { name: 'empty', text: '', error: /empty/ },
    { name: 'only blanks', text: '\r\n  \r\n', error: /empty/ },
    { name: 'an error reply', text: 'ERR unknown command', error: /line 1 is not "field:value"/ },
    { name: 'no known section', text: '# CPU\r\nused_cpu_sys:1.0\r\n', error: /none of the sections/ },
    { name: 'fields without headers', text: 'role:master\r\n', error: /none of the sections/ },
    {
      name: 'missing role',
      text: withLine('role:slave', 'rolex:slave'),
      error: /replication: missing field role/,
    },
    {
      name: 'unknown role',
      text: withLine('role:slave', 'role:sentinel'),
      error: /role must be master or slave/,
    },
    {
      name: 'replica without master host',
      text: withLine('master_host:10.0.0.1\r\n', ''),
      error: /master_host/,
    },
    { name: 'bad master port', text: withLine('master_port:7001', 'master_port:70x1'), error: /master_port/ },
    {
      name: 'port out of range',
      text: withLine('master_port:7001', 'master_port:70001'),
      error: /master_port/,
    },
    {
      name: 'bad link status',
      text: withLine('master_link_status:up', 'master_link_status:maybe'),
      error: /link/,
    },
    {
      name: 'bad offset',
      text: withLine('slave_repl_offset:1000', 'slave_repl_offset:lots'),
      error: /slave_repl_offset/,
    },
    {
      name: 'offset beyond safe integers',
      text: withLine('slave_repl_offset:1000', 'slave_repl_offset:99999999999999999999'),
      error: /slave_repl_offset/,
    },
    {
      name: 'negative priority',
      text: withLine('slave_priority:100', 'slave_priority:-5'),
      error: /priority/,
    },
    { name: 'missing run id', text: withLine('run_id:', 'runid:'), error: /server: missing field run_id/ },
    { name: 'bad tcp port', text: withLine('tcp_port:7002', 'tcp_port:-1'), error: /tcp_port/ },
    { name: 'bad keyspace line', text: withLine('db0:keys=3', 'db0:kees=3'), error: /keyspace: db0/ },
    {
      name: 'bad replica line',
      text: withLine('connected_slaves:0', 'connected_slaves:1\r\nslave0:127.0.0.1,7003,online'),
      error: /replication: slave0 is not/,
    },
    {
      name: 'too large',
      text: `# Server\r\n${'x:y\r\n'.repeat(MAX_INFO_CHARS / 5 + 1)}`,
      error: /too large/,
    },
  ];

  it.each(cases)('$name', ({ text, error }) => {
    expect(parseError(text)).toMatch(error);
  });

  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = [
      undefined,
      null,
      42,
      {},
      '#',
      ':',
      '\u0000',
      'a:b:c',
      '# Replication\r\nrole:',
    ];
    for (const input of inputs) {
      expect(() => parseInfo(input as string)).not.toThrow();
      expect(parseInfo(input as string).ok).toBe(false);
    }
  });
});
