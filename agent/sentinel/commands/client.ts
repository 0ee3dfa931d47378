// CLIENT SETNAME / GETNAME / ID / SETINFO / INFO / LIST / KILL / HELP.
import type { CommandSpec, KillFilter, ServerContext } from '../command-spec.js';
import { array, bulk, error, integer, nullBulk, OK, type Reply, simple } from '../resp.js';
import type { Session } from '../session.js';

/** Redis accepts printable ASCII without spaces ('!' to '~') in names and library attributes. */
export function validName(name: string): boolean {
  return /^[!-~]*$/.test(name);
}

const FLAGS = ['loading', 'stale', 'sentinel'];

const setname: CommandSpec = {
  name: 'client|setname',
  arity: 3,
  docs: {
    summary: 'Sets the connection name.',
    since: '2.6.9',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [{ name: 'connection-name', type: 'string' }],
  },
  flags: FLAGS,
  run({ args, session }) {
    const name = args[2] ?? '';
    if (!validName(name)) {
      return error('ERR Client names cannot contain spaces, newlines or special characters.');
    }
    session.name = name === '' ? null : name;
    return OK;
  },
};

const getname: CommandSpec = {
  name: 'client|getname',
  arity: 2,
  docs: {
    summary: 'Returns the name of the connection.',
    since: '2.6.9',
    group: 'connection',
    complexity: 'O(1)',
  },
  flags: FLAGS,
  run: ({ session }) => (session.name === null ? nullBulk() : bulk(session.name)),
};

const id: CommandSpec = {
  name: 'client|id',
  arity: 2,
  docs: {
    summary: 'Returns the unique client ID of the connection.',
    since: '5.0.0',
    group: 'connection',
    complexity: 'O(1)',
  },
  flags: FLAGS,
  run: ({ session }) => integer(session.id),
};

const setinfo: CommandSpec = {
  name: 'client|setinfo',
  arity: 4,
  docs: {
    summary: 'Sets information specific to the client or connection.',
    since: '7.2.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [
      {
        name: 'attr',
        type: 'oneof',
        arguments: [
          { name: 'libname', type: 'string', token: 'lib-name' },
          { name: 'libver', type: 'string', token: 'lib-ver' },
        ],
      },
    ],
  },
  flags: FLAGS,
  run({ args, session }) {
    const attribute = args[2] ?? '';
    const value = args[3] ?? '';
    const key = attribute.toLowerCase();
    if (key !== 'lib-name' && key !== 'lib-ver') return error(`ERR Unrecognized option '${attribute}'`);
    if (!validName(value)) {
      return error(`ERR ${attribute} cannot contain spaces, newlines or special characters.`);
    }
    if (key === 'lib-name') session.libName = value === '' ? null : value;
    else session.libVersion = value === '' ? null : value;
    return OK;
  },
};

/** One `CLIENT LIST` line: the fields of Redis's that mean something here. */
function describe(session: Session, server: ServerContext): string {
  const ageSeconds = Math.floor((server.nowMs() - session.connectedAtMs) / 1000);
  const flags = session.channels.size + session.patterns.size > 0 ? 'P' : 'N';
  return [
    `id=${session.id}`,
    `addr=${session.address}`,
    `name=${session.name ?? ''}`,
    `age=${ageSeconds}`,
    `flags=${flags}`,
    `sub=${session.channels.size}`,
    `psub=${session.patterns.size}`,
    `user=${session.user}`,
    `lib-name=${session.libName ?? ''}`,
    `lib-ver=${session.libVersion ?? ''}`,
    `resp=${session.protocol}`,
  ].join(' ');
}

const info: CommandSpec = {
  name: 'client|info',
  arity: 2,
  docs: {
    summary: 'Returns information about the connection.',
    since: '6.2.0',
    group: 'connection',
    complexity: 'O(1)',
  },
  flags: FLAGS,
  run: ({ session, server }) => bulk(`${describe(session, server)}\n`),
};

const list: CommandSpec = {
  name: 'client|list',
  arity: 2,
  docs: {
    summary: 'Lists open connections.',
    since: '2.4.0',
    group: 'connection',
    complexity: 'O(N) where N is the number of client connections',
    history: [
      ['2.8.12', 'Added unique client `id` field.'],
      ['5.0.0', 'Added optional `TYPE` filter.'],
      ['6.0.0', 'Added `user` field.'],
      ['6.2.0', 'Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter.'],
      ['7.0.0', 'Added `resp`, `multi-mem`, `rbs` and `rbp` fields.'],
      ['7.0.3', 'Added `ssub` field.'],
    ],
    arguments: [
      {
        name: 'client-type',
        type: 'oneof',
        token: 'TYPE',
        since: '5.0.0',
        flags: ['optional'],
        arguments: [
          { name: 'normal', type: 'pure-token', token: 'normal' },
          { name: 'master', type: 'pure-token', token: 'master' },
          { name: 'replica', type: 'pure-token', token: 'replica' },
          { name: 'pubsub', type: 'pure-token', token: 'pubsub' },
        ],
      },
      { name: 'client-id', type: 'integer', token: 'ID', since: '6.2.0', flags: ['optional', 'multiple'] },
    ],
  },
  flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'],
  run: ({ server }) =>
    bulk(
      server
        .clients()
        .map((s) => `${describe(s, server)}\n`)
        .join(''),
    ),
};

/** `CLIENT KILL ip:port` (old form) or `CLIENT KILL [ID id] [ADDR ip:port] [TYPE normal|pubsub] [SKIPME yes|no]`. */
const kill: CommandSpec = {
  name: 'client|kill',
  arity: -3,
  docs: {
    summary: 'Terminates open connections.',
    since: '2.4.0',
    group: 'connection',
    complexity: 'O(N) where N is the number of client connections',
    history: [
      ['2.8.12', 'Added new filter format.'],
      ['2.8.12', '`ID` option.'],
      ['3.2.0', 'Added `master` type in for `TYPE` option.'],
      [
        '5.0.0',
        'Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility.',
      ],
      ['6.2.0', '`LADDR` option.'],
    ],
    arguments: [
      {
        name: 'filter',
        type: 'oneof',
        arguments: [
          { name: 'old-format', type: 'string', displayText: 'ip:port', deprecatedSince: '2.8.12' },
          {
            name: 'new-format',
            type: 'oneof',
            flags: ['multiple'],
            arguments: [
              { name: 'client-id', type: 'integer', token: 'ID', since: '2.8.12', flags: ['optional'] },
              {
                name: 'client-type',
                type: 'oneof',
                token: 'TYPE',
                since: '2.8.12',
                flags: ['optional'],
                arguments: [
                  { name: 'normal', type: 'pure-token', token: 'normal' },
                  { name: 'master', type: 'pure-token', token: 'master', since: '3.2.0' },
                  { name: 'slave', type: 'pure-token', token: 'slave' },
                  { name: 'replica', type: 'pure-token', token: 'replica', since: '5.0.0' },
                  { name: 'pubsub', type: 'pure-token', token: 'pubsub' },
                ],
              },
              { name: 'username', type: 'string', token: 'USER', flags: ['optional'] },
              { name: 'addr', type: 'string', displayText: 'ip:port', token: 'ADDR', flags: ['optional'] },
              {
                name: 'laddr',
                type: 'string',
                displayText: 'ip:port',
                token: 'LADDR',
                since: '6.2.0',
                flags: ['optional'],
              },
              {
                name: 'skipme',
                type: 'oneof',
                token: 'SKIPME',
                flags: ['optional'],
                arguments: [
                  { name: 'yes', type: 'pure-token', token: 'YES' },
                  { name: 'no', type: 'pure-token', token: 'NO' },
                ],
              },
            ],
          },
        ],
      },
    ],
  },
  flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'],
  run({ args, session, server }): Reply {
    if (args.length === 3) {
      const killed = server.kill({ address: args[2] ?? '', skipMe: false }, session);
      return killed > 0 ? OK : error('ERR No such client');
    }
    if (args.length % 2 !== 0) return error('ERR syntax error');
    const filter: { -readonly [K in keyof KillFilter]: KillFilter[K] } = { skipMe: true };
    for (let i = 2; i < args.length; i += 2) {
      const option = (args[i] ?? '').toLowerCase();
      const value = args[i + 1] ?? '';
      if (option === 'id') {
        if (!/^\d{1,15}$/.test(value) || Number(value) === 0) {
          return error('ERR client-id should be greater than 0');
        }
        filter.id = Number(value);
      } else if (option === 'addr') {
        filter.address = value;
      } else if (option === 'user') {
        if (server.acl.get(value) === undefined) return error(`ERR No such user '${value}'`);
        filter.user = value;
      } else if (option === 'type') {
        const type = value.toLowerCase();
        if (type === 'normal' || type === 'pubsub') filter.type = type;
        else if (type === 'master' || type === 'replica' || type === 'slave') return integer(0);
        else return error(`ERR Unknown client type '${value}'`);
      } else if (option === 'skipme') {
        const yes = value.toLowerCase();
        if (yes !== 'yes' && yes !== 'no') return error('ERR syntax error');
        filter.skipMe = yes === 'yes';
      } else {
        return error('ERR syntax error');
      }
    }
    return integer(server.kill(filter, session));
  },
};

const HELP_LINES = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are: ID <client-id>, ADDR <ip:port>, USER <username>, TYPE (NORMAL|PUBSUB), SKIPME (YES|NO).',
  'LIST',
  '    Return information about client connections.',
  'SETINFO <LIB-NAME|LIB-VER> <value>',
  '    Set client meta attributes.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'HELP',
  '    Print this help.',
];

const help: CommandSpec = {
  name: 'client|help',
  arity: 2,
  docs: {
    summary: 'Returns helpful text about the different subcommands.',
    since: '5.0.0',
    group: 'connection',
    complexity: 'O(1)',
  },
  flags: ['loading', 'stale', 'sentinel'],
  run: () => array(HELP_LINES.map(simple)),
};

export const client: CommandSpec = {
  name: 'client',
  arity: -2,
  docs: {
    summary: 'A container for client connection commands.',
    since: '2.4.0',
    group: 'connection',
    complexity: 'Depends on subcommand.',
  },
  flags: ['sentinel'],
  subcommands: [setname, getname, id, setinfo, info, list, kill, help],
};
