// Byte-exact replies of every command, in RESP2 and RESP3, including errors and arity (texts of Redis 7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITOR_REFUSAL } from '../../../agent/sentinel/commands/sentinel-monitor.js';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import type { SentinelSnapshot } from '../../../agent/sentinel/source.js';
import { FakeSource, group, MY_ID, peer, sentinelNode, view } from './support/fake-source.js';
import { RawClient } from './support/raw-client.js';
import { arr, bulk, err, flat, int, map3, push3, status } from './support/resp.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

/** A map of already-encoded values: `%n` in RESP3, a flat array in RESP2. */
function docMap(protocol: 2 | 3, entries: [string, string][]): string {
  const head = protocol === 3 ? `%${entries.length}\r\n` : `*${entries.length * 2}\r\n`;
  return head + entries.map(([k, v]) => bulk(k) + v).join('');
}

/** `COMMAND DOCS role nope SENTINEL|MYID`: two commands without arguments (checked against a real Sentinel's shape). */
function shortDocs(protocol: 2 | 3): string {
  const docs = (summary: string, since: string, group: string) =>
    docMap(protocol, [
      ['summary', bulk(summary)],
      ['since', bulk(since)],
      ['group', bulk(group)],
      ['complexity', bulk('O(1)')],
    ]);
  return docMap(protocol, [
    ['role', docs('Returns the replication role.', '2.8.12', 'server')],
    ['sentinel|myid', docs('Returns the Redis Sentinel instance ID.', '6.2.0', 'sentinel')],
  ]);
}

/** `COMMAND DOCS client|setinfo` as Redis 7.2 writes it: a `oneof` argument and its two tokens, with display_text. */
function setinfoDocs(protocol: 2 | 3): string {
  const token = (name: string, token: string) =>
    docMap(protocol, [
      ['name', bulk(name)],
      ['type', bulk('string')],
      ['display_text', bulk(name)],
      ['token', bulk(token)],
    ]);
  const attr = docMap(protocol, [
    ['name', bulk('attr')],
    ['type', bulk('oneof')],
    ['arguments', arr(token('libname', 'lib-name'), token('libver', 'lib-ver'))],
  ]);
  const docs = docMap(protocol, [
    ['summary', bulk('Sets information specific to the client or connection.')],
    ['since', bulk('7.2.0')],
    ['group', bulk('connection')],
    ['complexity', bulk('O(1)')],
    ['arguments', arr(attr)],
  ]);
  return docMap(protocol, [['client|setinfo', docs]]);
}

const FIXTURE: SentinelSnapshot = {
  myId: MY_ID,
  groups: [
    group(
      sentinelNode(view('10.0.0.1:6379', { role: 'master', runId: A, offsetBytes: 5000 })),
      [
        sentinelNode(
          view('10.0.0.2:6379', { masterNode: '10.0.0.1:6379', offsetBytes: 4990, runId: B, priority: 50 }),
        ),
        { node: '10.0.0.3:6380', view: null, lastPingSentMsAgo: 1500, lastOkPingReplyMsAgo: 3000 },
      ],
      { epoch: 7, sentinels: [peer('10.0.0.2', 26379, C)] },
    ),
    group(sentinelNode(view('10.1.0.1:6379', { role: 'master', sdown: true })), [], {
      name: 'other',
      epoch: 3,
      failoverInProgress: true,
      votersConnected: 1,
    }),
  ],
};

const MYMASTER_FIELDS: [string, string][] = [
  ['name', 'mymaster'],
  ['ip', '10.0.0.1'],
  ['port', '6379'],
  ['runid', A],
  ['flags', 'master'],
  ['link-pending-commands', '0'],
  ['link-refcount', '1'],
  ['last-ping-sent', '0'],
  ['last-ok-ping-reply', '40'],
  ['last-ping-reply', '40'],
  ['down-after-milliseconds', '5000'],
  ['info-refresh', '900'],
  ['role-reported', 'master'],
  ['config-epoch', '7'],
  ['num-slaves', '2'],
  ['num-other-sentinels', '1'],
  ['quorum', '2'],
  ['failover-timeout', '180000'],
  ['parallel-syncs', '1'],
];

const OTHER_FIELDS: [string, string][] = MYMASTER_FIELDS.map(([k, v]): [string, string] => {
  const changed: Record<string, string> = {
    name: 'other',
    ip: '10.1.0.1',
    runid: '',
    flags: 's_down,master,failover_in_progress',
    'config-epoch': '3',
    'num-slaves': '0',
    'num-other-sentinels': '0',
  };
  return [k, changed[k] ?? v];
});

const REPLICA_1: [string, string][] = [
  ['name', '10.0.0.2:6379'],
  ['ip', '10.0.0.2'],
  ['port', '6379'],
  ['runid', B],
  ['flags', 'slave'],
  ['link-pending-commands', '0'],
  ['link-refcount', '1'],
  ['last-ping-sent', '0'],
  ['last-ok-ping-reply', '40'],
  ['last-ping-reply', '40'],
  ['down-after-milliseconds', '5000'],
  ['info-refresh', '900'],
  ['role-reported', 'slave'],
  ['master-link-down-time', '0'],
  ['master-link-status', 'ok'],
  ['master-host', '10.0.0.1'],
  ['master-port', '6379'],
  ['slave-priority', '50'],
  ['slave-repl-offset', '4990'],
  ['replica-announced', '1'],
];

/** Never heard from: disconnected, ping pending for 1500 ms, link state unknown. */
const REPLICA_2: [string, string][] = [
  ['name', '10.0.0.3:6380'],
  ['ip', '10.0.0.3'],
  ['port', '6380'],
  ['runid', ''],
  ['flags', 'slave,disconnected'],
  ['link-pending-commands', '0'],
  ['link-refcount', '1'],
  ['last-ping-sent', '1500'],
  ['last-ok-ping-reply', '3000'],
  ['last-ping-reply', '3000'],
  ['down-after-milliseconds', '5000'],
  ['info-refresh', '3000'],
  ['role-reported', 'slave'],
  ['master-link-down-time', '0'],
  ['master-link-status', 'err'],
  ['master-host', '?'],
  ['master-port', '0'],
  ['slave-priority', '100'],
  ['slave-repl-offset', '0'],
  ['replica-announced', '1'],
];

const SENTINEL_1: [string, string][] = [
  ['name', C],
  ['ip', '10.0.0.2'],
  ['port', '26379'],
  ['runid', C],
  ['flags', 'sentinel'],
  ['link-pending-commands', '0'],
  ['link-refcount', '1'],
  ['last-ping-sent', '0'],
  ['last-ok-ping-reply', '40'],
  ['last-ping-reply', '40'],
  ['down-after-milliseconds', '5000'],
  ['last-hello-message', '900'],
  ['voted-leader', '?'],
  ['voted-leader-epoch', '0'],
];

const SENTINEL_SECTION = [
  '# Sentinel',
  'sentinel_masters:2',
  'sentinel_tilt:0',
  'sentinel_tilt_since_seconds:-1',
  'sentinel_running_scripts:0',
  'sentinel_scripts_queue_length:0',
  'sentinel_simulate_failure_flags:0',
  'master0:name=mymaster,status=ok,address=10.0.0.1:6379,slaves=2,sentinels=2',
  'master1:name=other,status=sdown,address=10.1.0.1:6379,slaves=0,sentinels=1',
].join('\r\n');

/** Sentinel 7.2's `SENTINEL HELP` as addReplyHelp writes it (src/sentinel.c at 7.2.6): a header, the list, HELP. */
const SENTINEL_HELP = [
  'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CKQUORUM <master-name>',
  '    Check if the current Sentinel configuration is able to reach the quorum',
  '    needed to failover a master and the majority needed to authorize the',
  '    failover.',
  'CONFIG SET param value [param value ...]',
  '    Set a global Sentinel configuration parameter.',
  'CONFIG GET <param> [param param param ...]',
  '    Get global Sentinel configuration parameter.',
  'DEBUG [<param> <value> ...]',
  '    Show a list of configurable time parameters and their values (milliseconds).',
  '    Or update current configurable parameters values (one or more).',
  'GET-MASTER-ADDR-BY-NAME <master-name>',
  '    Return the ip and port number of the master with that name.',
  'FAILOVER <master-name>',
  '    Manually failover a master node without asking for agreement from other',
  '    Sentinels',
  'FLUSHCONFIG',
  '    Force Sentinel to rewrite its configuration on disk, including the current',
  '    Sentinel state.',
  'INFO-CACHE <master-name>',
  '    Return last cached INFO output from masters and all its replicas.',
  'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
  "    Check if the master specified by ip:port is down from current Sentinel's",
  '    point of view.',
  'MASTER <master-name>',
  '    Show the state and info of the specified master.',
  'MASTERS',
  '    Show a list of monitored masters and their state.',
  'MONITOR <name> <ip> <port> <quorum>',
  '    Start monitoring a new master with the specified name, ip, port and quorum.',
  'MYID',
  '    Return the ID of the Sentinel instance.',
  'PENDING-SCRIPTS',
  '    Get pending scripts information.',
  'REMOVE <master-name>',
  "    Remove master from Sentinel's monitor list.",
  'REPLICAS <master-name>',
  '    Show a list of replicas for this master and their state.',
  'RESET <pattern>',
  '    Reset masters for specific master name matching this pattern.',
  'SENTINELS <master-name>',
  '    Show a list of Sentinel instances for this master and their state.',
  'SET <master-name> <option> <value> [<option> <value> ...]',
  '    Set configuration parameters for certain masters.',
  'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
  '    Simulate a Sentinel crash.',
  'HELP',
  '    Print this help.',
];

/** The INFO texts the fake source holds for SENTINEL INFO-CACHE: the master's and one replica's (the third never answered). */
const MASTER_INFO = `# Server\r\nredis_version:7.0.15\r\nrun_id:${A}\r\n\r\n# Replication\r\nrole:master\r\n`;
const REPLICA_INFO = `# Server\r\nredis_version:7.0.15\r\nrun_id:${B}\r\n\r\n# Replication\r\nrole:slave\r\n`;
const INFO_TEXTS = [
  ['10.0.0.1:6379', { ageMs: 1200, text: MASTER_INFO }],
  ['10.0.0.2:6379', { ageMs: 300, text: REPLICA_INFO }],
] as const;
/** `mymaster`'s INFO-CACHE entry as Sentinel writes it: the name, then [age, text] for the master and each replica. */
const mymasterInfoCache = (nullText: string) => [
  bulk('mymaster'),
  arr(arr(int(1200), bulk(MASTER_INFO)), arr(int(300), bulk(REPLICA_INFO)), arr(int(0), nullText)),
];

const NO_SUCH_MASTER = err('ERR No such master with that name');
const arity = (name: string) => err(`ERR wrong number of arguments for '${name}' command`);

interface Row {
  readonly args: string[];
  readonly resp2: string;
  /** Defaults to the RESP2 bytes: most replies have no RESP3-only shape. */
  readonly resp3?: string;
}

const ROWS: Row[] = [
  { args: ['PING'], resp2: status('PONG') },
  { args: ['ping', 'hello there'], resp2: bulk('hello there') },
  { args: ['PING', 'a', 'b'], resp2: arity('ping') },
  { args: ['SENTINEL', 'get-master-addr-by-name', 'mymaster'], resp2: arr(bulk('10.0.0.1'), bulk('6379')) },
  { args: ['sentinel', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'], resp2: arr(bulk('10.0.0.1'), bulk('6379')) },
  { args: ['SENTINEL', 'get-primary-addr-by-name', 'other'], resp2: arr(bulk('10.1.0.1'), bulk('6379')) },
  { args: ['SENTINEL', 'get-master-addr-by-name', 'nope'], resp2: '*-1\r\n', resp3: '_\r\n' },
  { args: ['SENTINEL', 'get-master-addr-by-name'], resp2: arity('sentinel|get-master-addr-by-name') },
  {
    args: ['SENTINEL', 'masters'],
    resp2: arr(flat(MYMASTER_FIELDS), flat(OTHER_FIELDS)),
    resp3: arr(map3(MYMASTER_FIELDS), map3(OTHER_FIELDS)),
  },
  {
    args: ['SENTINEL', 'PRIMARIES'],
    resp2: arr(flat(MYMASTER_FIELDS), flat(OTHER_FIELDS)),
    resp3: arr(map3(MYMASTER_FIELDS), map3(OTHER_FIELDS)),
  },
  { args: ['SENTINEL', 'masters', 'x'], resp2: arity('sentinel|masters') },
  { args: ['SENTINEL', 'master', 'mymaster'], resp2: flat(MYMASTER_FIELDS), resp3: map3(MYMASTER_FIELDS) },
  { args: ['SENTINEL', 'primary', 'other'], resp2: flat(OTHER_FIELDS), resp3: map3(OTHER_FIELDS) },
  { args: ['SENTINEL', 'master', 'nope'], resp2: NO_SUCH_MASTER },
  { args: ['SENTINEL', 'master'], resp2: arity('sentinel|master') },
  {
    args: ['SENTINEL', 'replicas', 'mymaster'],
    resp2: arr(flat(REPLICA_1), flat(REPLICA_2)),
    resp3: arr(map3(REPLICA_1), map3(REPLICA_2)),
  },
  {
    args: ['SENTINEL', 'slaves', 'mymaster'],
    resp2: arr(flat(REPLICA_1), flat(REPLICA_2)),
    resp3: arr(map3(REPLICA_1), map3(REPLICA_2)),
  },
  { args: ['SENTINEL', 'replicas', 'other'], resp2: arr() },
  { args: ['SENTINEL', 'slaves', 'nope'], resp2: NO_SUCH_MASTER },
  { args: ['SENTINEL', 'sentinels', 'mymaster'], resp2: arr(flat(SENTINEL_1)), resp3: arr(map3(SENTINEL_1)) },
  { args: ['SENTINEL', 'sentinels', 'other'], resp2: arr() },
  { args: ['SENTINEL', 'sentinels', 'nope'], resp2: NO_SUCH_MASTER },
  { args: ['SENTINEL', 'myid'], resp2: bulk(MY_ID) },
  { args: ['SENTINEL', 'myid', 'x'], resp2: arity('sentinel|myid') },
  {
    args: ['SENTINEL', 'ckquorum', 'mymaster'],
    resp2: status('OK 2 usable Sentinels. Quorum and failover authorization can be reached'),
  },
  {
    args: ['SENTINEL', 'ckquorum', 'other'],
    resp2: err(
      'NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master. Not enough available Sentinels to reach the majority and authorize a failover',
    ),
  },
  { args: ['SENTINEL', 'ckquorum', 'nope'], resp2: NO_SUCH_MASTER },
  { args: ['SENTINEL', 'failover', 'mymaster'], resp2: status('OK') },
  { args: ['SENTINEL', 'failover', 'other'], resp2: err('INPROG Failover already in progress') },
  { args: ['SENTINEL', 'failover', 'nope'], resp2: NO_SUCH_MASTER },
  { args: ['SENTINEL', 'reset', '*'], resp2: int(1) },
  { args: ['SENTINEL', 'reset'], resp2: arity('sentinel|reset') },
  // 00-base "SENTINEL HELP output the sentinel subcommand help"; the header names the command upper case.
  { args: ['sentinel', 'help'], resp2: arr(...SENTINEL_HELP.map(status)) },
  { args: ['SENTINEL', 'help', 'x'], resp2: arity('sentinel|help') },
  // 00-base "SENTINEL INFO CACHE returns the cached info"; a RESP3 client gets the same arrays, nulls as `_`.
  {
    args: ['SENTINEL', 'INFO-CACHE', 'mymaster'],
    resp2: arr(...mymasterInfoCache('$-1\r\n')),
    resp3: arr(...mymasterInfoCache('_\r\n')),
  },
  // Unknown names are skipped and a repeated one answered once, as a real Sentinel 7.0.15 does.
  {
    args: ['SENTINEL', 'info-cache', 'nope', 'mymaster', 'other', 'mymaster'],
    resp2: arr(...mymasterInfoCache('$-1\r\n'), bulk('other'), arr(arr(int(0), '$-1\r\n'))),
    resp3: arr(...mymasterInfoCache('_\r\n'), bulk('other'), arr(arr(int(0), '_\r\n'))),
  },
  { args: ['SENTINEL', 'INFO-CACHE', 'nope'], resp2: arr() },
  { args: ['SENTINEL', 'INFO-CACHE'], resp2: arity('sentinel|info-cache') },
  { args: ['SENTINEL', 'foo'], resp2: err("ERR unknown subcommand 'foo'. Try SENTINEL HELP.") },
  { args: ['SENTINEL'], resp2: arity('sentinel') },
  { args: ['SENTINEL', 'monitor', 'x', '127.0.0.1', '6379', '2'], resp2: err(MONITOR_REFUSAL) },
  { args: ['ROLE'], resp2: arr(bulk('sentinel'), arr(bulk('mymaster'), bulk('other'))) },
  { args: ['ROLE', 'x'], resp2: arity('role') },
  { args: ['INFO', 'sentinel'], resp2: bulk(`${SENTINEL_SECTION}\r\n`) },
  { args: ['INFO', 'SENTINEL', 'nothing'], resp2: bulk(`${SENTINEL_SECTION}\r\n`) },
  { args: ['INFO', 'bogus'], resp2: bulk('') },
  { args: ['CLIENT', 'GETNAME'], resp2: '$-1\r\n', resp3: '_\r\n' },
  { args: ['CLIENT', 'SETNAME', 'app-1'], resp2: status('OK') },
  {
    args: ['CLIENT', 'SETNAME', 'a b'],
    resp2: err('ERR Client names cannot contain spaces, newlines or special characters.'),
  },
  { args: ['CLIENT', 'SETNAME'], resp2: arity('client|setname') },
  { args: ['CLIENT', 'SETINFO', 'lib-name', 'ioredis'], resp2: status('OK') },
  { args: ['CLIENT', 'SETINFO', 'LIB-VER', '6.0.0'], resp2: status('OK') },
  { args: ['CLIENT', 'SETINFO', 'lib-foo', 'x'], resp2: err("ERR Unrecognized option 'lib-foo'") },
  {
    args: ['CLIENT', 'SETINFO', 'lib-name', 'a b'],
    resp2: err('ERR lib-name cannot contain spaces, newlines or special characters.'),
  },
  { args: ['CLIENT', 'bogus'], resp2: err("ERR unknown subcommand 'bogus'. Try CLIENT HELP.") },
  { args: ['CLIENT'], resp2: arity('client') },
  { args: ['CLIENT', 'KILL', '1.2.3.4:5'], resp2: err('ERR No such client') },
  { args: ['CLIENT', 'KILL', 'ID', '999999'], resp2: int(0) },
  { args: ['CLIENT', 'KILL', 'TYPE', 'bogus'], resp2: err("ERR Unknown client type 'bogus'") },
  { args: ['CLIENT', 'KILL', 'ID'], resp2: err('ERR No such client') },
  { args: ['CLIENT', 'KILL', 'ID', '1', 'TYPE'], resp2: err('ERR syntax error') },
  { args: ['COMMAND', 'COUNT'], resp2: int(16) },
  // Redis 7.2's documentation, in the shape of a real Sentinel's; unknown names are skipped.
  {
    args: ['COMMAND', 'DOCS', 'role', 'nope', 'SENTINEL|MYID'],
    resp2: shortDocs(2),
    resp3: shortDocs(3),
  },
  { args: ['COMMAND', 'DOCS', 'nope'], resp2: '*0\r\n', resp3: '%0\r\n' },
  {
    args: ['COMMAND', 'DOCS', 'client|setinfo'],
    resp2: setinfoDocs(2),
    resp3: setinfoDocs(3),
  },
  {
    args: ['COMMAND', 'INFO', 'role', 'nope'],
    resp2: arr(
      arr(
        bulk('role'),
        int(1),
        arr(...['noscript', 'loading', 'stale', 'fast', 'sentinel'].map(status)),
        int(0),
        int(0),
        int(0),
        // Redis's ACL categories of ROLE, in its order.
        arr(...['@admin', '@fast', '@dangerous'].map(status)),
        arr(),
        arr(),
        arr(),
      ),
      '*-1\r\n',
    ),
    resp3: arr(
      arr(
        bulk('role'),
        int(1),
        `~5\r\n${['noscript', 'loading', 'stale', 'fast', 'sentinel'].map(status).join('')}`,
        int(0),
        int(0),
        int(0),
        `~3\r\n${['@admin', '@fast', '@dangerous'].map(status).join('')}`,
        '~0\r\n',
        arr(),
        arr(),
      ),
      '_\r\n',
    ),
  },
  {
    args: ['PUBLISH', '+switch-master', 'x'],
    resp2: err('ERR Only HELLO messages are accepted by Sentinel instances.'),
  },
  { args: ['PUBLISH', 'a'], resp2: arity('publish') },
  { args: ['FOO', 'a', 'b'], resp2: err("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ") },
  { args: ['FOO'], resp2: err("ERR unknown command 'FOO', with args beginning with: ") },
  {
    args: ['AUTH', 'x'],
    resp2: err(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    ),
  },
  { args: ['AUTH', 'default', 'anything'], resp2: status('OK') },
  {
    args: ['AUTH', 'someone', 'x'],
    resp2: err('WRONGPASS invalid username-password pair or user is disabled.'),
  },
  { args: ['AUTH', 'a', 'b', 'c'], resp2: err('ERR syntax error') },
  { args: ['AUTH'], resp2: arity('auth') },
  { args: ['HELLO', '4'], resp2: err('NOPROTO unsupported protocol version') },
  { args: ['HELLO', '1'], resp2: err('NOPROTO unsupported protocol version') },
  { args: ['HELLO', 'x'], resp2: err('ERR Protocol version is not an integer or out of range') },
  { args: ['HELLO', '3', 'FOO'], resp2: err("ERR Syntax error in HELLO option 'FOO'") },
  { args: ['HELLO', '3', 'SETNAME'], resp2: err("ERR Syntax error in HELLO option 'SETNAME'") },
  {
    args: ['SUBSCRIBE', '+switch-master', 'foo'],
    resp2:
      arr(bulk('subscribe'), bulk('+switch-master'), int(1)) + arr(bulk('subscribe'), bulk('foo'), int(2)),
    resp3:
      push3(bulk('subscribe'), bulk('+switch-master'), int(1)) +
      push3(bulk('subscribe'), bulk('foo'), int(2)),
  },
  {
    args: ['PSUBSCRIBE', '*'],
    resp2: arr(bulk('psubscribe'), bulk('*'), int(1)),
    resp3: push3(bulk('psubscribe'), bulk('*'), int(1)),
  },
  { args: ['SUBSCRIBE'], resp2: arity('subscribe') },
  {
    args: ['UNSUBSCRIBE'],
    resp2: arr(bulk('unsubscribe'), '$-1\r\n', int(0)),
    resp3: push3(bulk('unsubscribe'), '_\r\n', int(0)),
  },
  {
    args: ['PUNSUBSCRIBE', 'x'],
    resp2: arr(bulk('punsubscribe'), bulk('x'), int(0)),
    resp3: push3(bulk('punsubscribe'), bulk('x'), int(0)),
  },
  { args: ['RESET'], resp2: status('RESET') },
  { args: ['QUIT'], resp2: status('OK') },
];

let source: FakeSource;
let server: SentinelServer;

beforeAll(async () => {
  source = new FakeSource(FIXTURE);
  for (const [node, info] of INFO_TEXTS) source.infoTexts.set(node, info);
  server = await startSentinelServer({ host: '127.0.0.1', port: 0, source, adminWithoutPassword: true });
});

afterAll(async () => {
  await server.close();
});

describe.each([2, 3] as const)('RESP%i', (protocol) => {
  it.each(ROWS.map((row) => [row.args.join(' '), row] as const))('%s', async (_name, row) => {
    const client = await RawClient.connect(server.port, protocol);
    const expected = protocol === 3 ? (row.resp3 ?? row.resp2) : row.resp2;
    try {
      expect(await client.call(row.args, expected)).toBe(expected);
      await new Promise((r) => setTimeout(r, 5));
      expect(client.pending).toBe(0);
    } finally {
      client.close();
    }
  });
});

describe('HELLO replies', () => {
  it('answers RESP2 and RESP3 maps with Sentinel mode and no role field', async () => {
    const client = await RawClient.connect(server.port);
    client.send(['CLIENT', 'ID']);
    const id = Number((await client.readUntil('\r\n')).slice(1, -2));
    const fields = (proto: number) => [
      bulk('server'),
      bulk('redis'),
      bulk('version'),
      bulk('7.2.0'),
      bulk('proto'),
      int(proto),
      bulk('id'),
      int(id),
      bulk('mode'),
      bulk('sentinel'),
      bulk('modules'),
      arr(),
    ];
    const resp2 = `*12\r\n${fields(2).join('')}`;
    expect(await client.call(['HELLO'], resp2)).toBe(resp2);
    const resp3 = `%6\r\n${fields(3).join('')}`;
    expect(await client.call(['HELLO', '3'], resp3)).toBe(resp3);
    // Back to RESP2, named in the same call.
    expect(await client.call(['HELLO', '2', 'SETNAME', 'cli'], resp2)).toBe(resp2);
    expect(await client.call(['CLIENT', 'GETNAME'], bulk('cli'))).toBe(bulk('cli'));
    client.close();
  });
});
