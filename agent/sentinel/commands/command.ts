// COMMAND, COMMAND COUNT / INFO / LIST / DOCS: this server's command table in Redis 7's shapes.
import { ACL_CATEGORIES, categoriesOf } from '../acl/categories.js';
import type { CommandSpec } from '../command-spec.js';
import { globMatch } from '../glob.js';
import { array, bulk, error, integer, map, nullArray, type Reply, set, simple } from '../resp.js';
import { docsReply, findCommand, fullNames } from './command-docs.js';

/** Redis 7's command info entry: name, arity, flags, key positions, ACL categories, tips, key specs, subcommands. */
function entry(spec: CommandSpec): Reply {
  return array([
    bulk(spec.name),
    integer(spec.arity),
    set(spec.flags.map(simple)),
    integer(0),
    integer(0),
    integer(0),
    set(ACL_CATEGORIES.filter((c) => categoriesOf(spec).has(c)).map((c) => simple(`@${c}`))),
    set([]),
    array([]),
    array((spec.subcommands ?? []).map(entry)),
  ]);
}

const FLAGS = ['loading', 'stale', 'sentinel'];
const SYNTAX_ERROR = error('ERR syntax error');

const count: CommandSpec = {
  name: 'command|count',
  arity: 2,
  docs: { summary: 'Returns a count of commands.', since: '2.8.13', group: 'server', complexity: 'O(1)' },
  flags: FLAGS,
  run: ({ server }) => integer(server.commands.length),
};

const list: CommandSpec = {
  name: 'command|list',
  arity: -2,
  docs: {
    summary: 'Returns a list of command names.',
    since: '7.0.0',
    group: 'server',
    complexity: 'O(N) where N is the total number of Redis commands',
    arguments: [
      {
        name: 'filterby',
        type: 'oneof',
        token: 'FILTERBY',
        flags: ['optional'],
        arguments: [
          { name: 'module-name', type: 'string', token: 'MODULE' },
          { name: 'category', type: 'string', token: 'ACLCAT' },
          { name: 'pattern', type: 'pattern', token: 'PATTERN' },
        ],
      },
    ],
  },
  flags: FLAGS,
  // Subcommands too, as `container|sub` (Redis 7), and Redis's FILTERBY.
  run({ args, server }) {
    const names = fullNames(server.commands);
    if (args.length === 2) return array(names.map(bulk));
    const [option, type, value] = args.slice(2).map((a) => a.toLowerCase());
    if (args.length !== 5 || option !== 'filterby') return SYNTAX_ERROR;
    switch (type) {
      case 'pattern':
        // Redis matches the full name, ignoring case.
        return array(names.filter((name) => globMatch(value ?? '', name)).map(bulk));
      case 'aclcat': {
        const all = server.commands.flatMap((c) => [c, ...(c.subcommands ?? [])]);
        return array(
          all.filter((spec) => categoriesOf(spec).has(value ?? '')).map((spec) => bulk(spec.name)),
        );
      }
      case 'module':
        // No command here comes from a module.
        return array([]);
      default:
        return SYNTAX_ERROR;
    }
  },
};

const info: CommandSpec = {
  name: 'command|info',
  arity: -2,
  docs: {
    summary: 'Returns information about one, multiple or all commands.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(N) where N is the number of commands to look up',
    history: [['7.0.0', 'Allowed to be called with no argument to get info on all commands.']],
    arguments: [{ name: 'command-name', type: 'string', flags: ['optional', 'multiple'] }],
  },
  flags: FLAGS,
  run({ args, server }) {
    const wanted = args.length === 2 ? server.commands.map((c) => c.name) : args.slice(2);
    return array(
      wanted.map((name) => {
        const spec = findCommand(server.commands, name);
        return spec === undefined ? nullArray() : entry(spec);
      }),
    );
  },
};

/** Every command's documentation (subcommands nested), or the named ones; unknown names are skipped, as in Redis. */
const docs: CommandSpec = {
  name: 'command|docs',
  arity: -2,
  docs: {
    summary: 'Returns documentary information about one, multiple or all commands.',
    since: '7.0.0',
    group: 'server',
    complexity: 'O(N) where N is the number of commands to look up',
    arguments: [{ name: 'command-name', type: 'string', flags: ['optional', 'multiple'] }],
  },
  flags: FLAGS,
  run({ args, server }) {
    const specs =
      args.length === 2
        ? server.commands
        : args.slice(2).flatMap((name) => findCommand(server.commands, name) ?? []);
    return map(specs.map((spec) => [spec.name, docsReply(spec)]));
  },
};

export const command: CommandSpec = {
  name: 'command',
  arity: -1,
  docs: {
    summary: 'Returns detailed information about all commands.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(N) where N is the total number of Redis commands',
  },
  flags: FLAGS,
  run: ({ server }) => array(server.commands.map(entry)),
  subcommands: [count, list, info, docs],
};
