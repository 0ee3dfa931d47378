// ACL: the Sentinel port's users, as Redis 7.2's ACL command manages them (SETUSER, GETUSER, DELUSER, LIST, WHOAMI, ...).
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { readAclFile } from '../acl/acl-file.js';
import { ACL_CATEGORIES, categoriesOf, isCategory } from '../acl/categories.js';
import { describeCommands, userFlags } from '../acl/user.js';
import type { CommandDocs, CommandSpec, Handler } from '../command-spec.js';
import { lookup } from '../dispatch.js';
import { array, bulk, error, integer, map, nullBulk, OK, type Reply, set, simple } from '../resp.js';

const ADMIN = ['admin', 'noscript', 'loading', 'stale', 'sentinel'];
const PLAIN = ['noscript', 'loading', 'stale', 'sentinel'];

function docs(summary: string, since: string, extra: Partial<CommandDocs> = {}): CommandDocs {
  return { summary, since, group: 'server', ...extra };
}

/**
 * The subcommands that change users are operator actions too: otherwise an anonymous client on a
 * port without a password could give itself a user with a password, AUTH as it and pass the gate.
 */
const CHANGES_USERS = new Set(['setuser', 'deluser', 'load', 'save']);

function sub(name: string, arity: number, flags: string[], doc: CommandDocs, run: Handler): CommandSpec {
  return {
    name: `acl|${name}`,
    arity,
    flags,
    docs: doc,
    run,
    ...(CHANGES_USERS.has(name) ? { operatorAction: true } : {}),
  };
}

const setuser = sub(
  'setuser',
  -3,
  ADMIN,
  docs('Creates and modifies an ACL user and its rules.', '6.0.0', {
    complexity: 'O(N). Where N is the number of rules provided.',
    arguments: [
      { name: 'username', type: 'string' },
      { name: 'rule', type: 'string', flags: ['optional', 'multiple'] },
    ],
  }),
  ({ args, server, session }) => {
    const failure = server.acl.setUser(args[2] ?? '', args.slice(3));
    if (failure !== null) return error(failure);
    server.logger.info({ user: args[2], client: session.address }, 'sentinel ACL user set');
    return OK;
  },
);

const getuser = sub(
  'getuser',
  3,
  ADMIN,
  docs('Lists the ACL rules of a user.', '6.0.0', {
    complexity: 'O(N). Where N is the number of password, command and pattern rules that the user has.',
    arguments: [{ name: 'username', type: 'string' }],
  }),
  ({ args, server }) => {
    const user = server.acl.get(args[2] ?? '');
    if (user === undefined) return nullBulk();
    return map([
      ['flags', set(userFlags(user).map(bulk))],
      ['passwords', array(user.passwords.map(bulk))],
      ['commands', bulk(describeCommands(user))],
      ['keys', bulk(user.allKeys ? '~*' : user.keyPatterns.join(' '))],
      ['channels', bulk(user.allChannels ? '&*' : user.channelPatterns.map((p) => `&${p}`).join(' '))],
      ['selectors', array([])],
    ]);
  },
);

const deluser = sub(
  'deluser',
  -3,
  ADMIN,
  docs('Deletes ACL users, and terminates their connections.', '6.0.0', {
    complexity: 'O(1) amortized time considering the typical user.',
    arguments: [{ name: 'username', type: 'string', flags: ['multiple'] }],
  }),
  ({ args, server, session }) => {
    const names = args.slice(2);
    if (names.includes('default')) return error("ERR The 'default' user cannot be removed");
    const deleted = server.acl.deleteUsers(names);
    // Redis closes every connection of a removed user (the caller's own after this reply).
    for (const name of names) server.kill({ user: name, skipMe: false }, session);
    return integer(deleted);
  },
);

const list = sub(
  'list',
  2,
  ADMIN,
  docs('Dumps the effective rules in ACL file format.', '6.0.0', {
    complexity: 'O(N). Where N is the number of configured users.',
  }),
  ({ server }) => array(server.acl.lines().map(bulk)),
);

const users = sub(
  'users',
  2,
  ADMIN,
  docs('Lists all ACL users.', '6.0.0', { complexity: 'O(N). Where N is the number of configured users.' }),
  ({ server }) => array(server.acl.names().map(bulk)),
);

const whoami = sub(
  'whoami',
  2,
  PLAIN,
  docs('Returns the authenticated username of the current connection.', '6.0.0', { complexity: 'O(1)' }),
  ({ session }) => bulk(session.user),
);

const cat = sub(
  'cat',
  -2,
  PLAIN,
  docs('Lists the ACL categories, or the commands inside a category.', '6.0.0', {
    complexity: 'O(1) since the categories and commands are a fixed set.',
    arguments: [{ name: 'category', type: 'string', flags: ['optional'] }],
  }),
  ({ args, server }) => {
    if (args.length > 3) return error("ERR wrong number of arguments for 'acl|cat' command");
    if (args.length === 2) return array(ACL_CATEGORIES.map(bulk));
    const category = (args[2] ?? '').toLowerCase();
    if (!isCategory(category)) return error(`ERR Unknown category '${(args[2] ?? '').slice(0, 128)}'`);
    const names: string[] = [];
    for (const command of server.commands) {
      for (const spec of command.subcommands ?? [command]) {
        if (categoriesOf(spec).has(category)) names.push(spec.name);
      }
    }
    return array(names.map(bulk));
  },
);

const genpass = sub(
  'genpass',
  -2,
  PLAIN,
  docs('Generates a pseudorandom, secure password that can be used to identify ACL users.', '6.0.0', {
    complexity: 'O(N)',
    arguments: [{ name: 'bits', type: 'integer', flags: ['optional'] }],
  }),
  ({ args }) => {
    if (args.length > 3) return error("ERR wrong number of arguments for 'acl|genpass' command");
    const raw = args[2] ?? '256';
    if (!/^-?\d{1,18}$/.test(raw)) return error('ERR value is not an integer or out of range');
    const bits = Number(raw);
    if (bits <= 0 || bits > 4096) {
      return error(
        'ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096',
      );
    }
    const chars = Math.ceil(bits / 4);
    return bulk(
      randomBytes(Math.ceil(chars / 2))
        .toString('hex')
        .slice(0, chars),
    );
  },
);

const log = sub(
  'log',
  -2,
  ADMIN,
  docs('Lists recent security events generated due to ACL rules.', '6.0.0', {
    complexity: 'O(N) with N being the number of entries shown.',
    arguments: [
      {
        name: 'operation',
        type: 'oneof',
        flags: ['optional'],
        arguments: [
          { name: 'count', type: 'integer' },
          { name: 'reset', type: 'pure-token', token: 'RESET' },
        ],
      },
    ],
  }),
  ({ args, server }) => {
    if (args.length > 3) return error("ERR wrong number of arguments for 'acl|log' command");
    const raw = args[2];
    if (raw?.toLowerCase() === 'reset') {
      server.acl.clearLog();
      return OK;
    }
    if (raw !== undefined && !/^-?\d{1,18}$/.test(raw))
      return error('ERR value is not an integer or out of range');
    const now = server.nowMs();
    return array(
      server.acl.logEntries(raw === undefined ? 10 : Number(raw)).map((e) =>
        map([
          ['count', integer(e.count)],
          ['reason', bulk(e.reason)],
          ['context', bulk('toplevel')],
          ['object', bulk(e.object)],
          ['username', bulk(e.username)],
          ['age-seconds', bulk(((now - e.createdMs) / 1000).toFixed(3))],
          ['client-info', bulk(e.clientInfo)],
          ['entry-id', integer(e.entryId)],
          ['timestamp-created', integer(e.createdMs)],
          ['timestamp-last-updated', integer(e.updatedMs)],
        ]),
      ),
    );
  },
);

const NO_ACL_FILE =
  'ERR This agent is not configured to use an ACL file: set sentinel.aclFile in the agent file to load and save users there. Users set with ACL SETUSER last until the agent restarts.';

const load = sub(
  'load',
  2,
  ADMIN,
  docs('Reloads the rules from the configured ACL file.', '6.0.0', {
    complexity: 'O(N). Where N is the number of configured users.',
  }),
  ({ server, session }) => {
    if (server.aclFile === null) return error(NO_ACL_FILE);
    // The default user keeps the file's definition, or the agent file's password.
    const password = server.acl.defaultPassword();
    const read = readAclFile(server.aclFile, server.commands, password);
    if ('error' in read) return error(`ERR ${read.error}`);
    server.acl.replace({ lines: read.lines, origin: server.aclFile, defaultPassword: password });
    // Clients of users the file no longer has are closed, as Redis does.
    for (const client of server.clients()) {
      if (server.acl.get(client.user) === undefined) server.kill({ id: client.id, skipMe: false }, session);
    }
    server.logger.info({ file: server.aclFile, client: session.address }, 'sentinel ACL file loaded');
    return OK;
  },
);

const save = sub(
  'save',
  2,
  ADMIN,
  docs('Saves the effective ACL rules in the configured ACL file.', '6.0.0', {
    complexity: 'O(N). Where N is the number of configured users.',
  }),
  ({ server }) => {
    const file = server.aclFile;
    if (file === null) return error(NO_ACL_FILE);
    // Written beside and renamed over, so a crash never leaves half a file.
    const temporary = `${file}.tmp-${process.pid}`;
    try {
      writeFileSync(temporary, `${server.acl.lines().join('\n')}\n`, { mode: 0o600 });
      renameSync(temporary, file);
    } catch (cause) {
      server.logger.error({ file, err: (cause as Error).message }, 'sentinel ACL SAVE failed');
      return error(
        'ERR There was an error trying to save the ACLs. Please check the server logs for more information',
      );
    }
    return OK;
  },
);

const dryrun = sub(
  'dryrun',
  -4,
  ADMIN,
  docs('Simulates the execution of a command by a user, without executing the command.', '7.0.0', {
    complexity: 'O(1).',
    arguments: [
      { name: 'username', type: 'string' },
      { name: 'command', type: 'string' },
      { name: 'arg', type: 'string', flags: ['optional', 'multiple'] },
    ],
  }),
  ({ args, server }) => {
    const user = server.acl.get(args[2] ?? '');
    if (user === undefined) return error(`ERR User '${args[2] ?? ''}' not found`);
    const command = args.slice(3);
    const found = lookup(server.commands, command);
    if (found.kind === 'rejected') {
      const known = server.commands.some((c) => c.name === (command[0] ?? '').toLowerCase());
      return known ? found.reply : error(`ERR Command '${command[0] ?? ''}' not found`);
    }
    if (!server.acl.canRun(user, found.spec.name)) {
      // Redis 7.0's DRYRUN wording (its NOPERM replies name the user).
      return bulk(`This user has no permissions to run the '${found.spec.name}' command`);
    }
    return OK;
  },
);

const HELP_LINES = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Print this help.',
];

const help = sub(
  'help',
  2,
  ['loading', 'stale', 'sentinel'],
  docs('Returns helpful text about the different subcommands.', '6.0.0', { complexity: 'O(1)' }),
  (): Reply => array(HELP_LINES.map(simple)),
);

export const acl: CommandSpec = {
  name: 'acl',
  arity: -2,
  docs: docs('A container for Access List Control commands.', '6.0.0', {
    complexity: 'Depends on subcommand.',
  }),
  flags: ['sentinel'],
  subcommands: [cat, deluser, dryrun, genpass, getuser, list, load, log, save, setuser, users, whoami, help],
};
