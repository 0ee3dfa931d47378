// COMMAND, COMMAND COUNT / INFO / LIST / DOCS: this server's command table in Redis 7's shapes.
import type { CommandSpec } from '../command-spec.js';
import { array, bulk, integer, map, nullArray, type Reply, set, simple } from '../resp.js';

/** Redis 7's command info entry: name, arity, flags, key positions, ACL categories, tips, key specs, subcommands. */
function entry(spec: CommandSpec): Reply {
  return array([
    bulk(spec.name),
    integer(spec.arity),
    set(spec.flags.map(simple)),
    integer(0),
    integer(0),
    integer(0),
    set([]),
    set([]),
    array([]),
    array((spec.subcommands ?? []).map(entry)),
  ]);
}

const FLAGS = ['loading', 'stale', 'sentinel'];

const count: CommandSpec = {
  name: 'command|count',
  arity: 2,
  flags: FLAGS,
  run: ({ server }) => integer(server.commands.length),
};

const list: CommandSpec = {
  name: 'command|list',
  arity: -2,
  flags: FLAGS,
  run: ({ server }) => array(server.commands.map((c) => bulk(c.name))),
};

const info: CommandSpec = {
  name: 'command|info',
  arity: -2,
  flags: FLAGS,
  run({ args, server }) {
    const wanted = args.length === 2 ? server.commands.map((c) => c.name) : args.slice(2);
    return array(
      wanted.map((name) => {
        const spec = server.commands.find((c) => c.name === name.toLowerCase());
        return spec === undefined ? nullArray() : entry(spec);
      }),
    );
  },
};

/** No documentation is served: an empty map is a valid answer, and redis-cli then shows no hints. */
const docs: CommandSpec = {
  name: 'command|docs',
  arity: -2,
  flags: FLAGS,
  run: () => map([]),
};

export const command: CommandSpec = {
  name: 'command',
  arity: -1,
  flags: FLAGS,
  run: ({ server }) => array(server.commands.map(entry)),
  subcommands: [count, list, info, docs],
};
