// COMMAND DOCS replies and full-name lookups (`client|setinfo`), generated from the command table's own docs.
import type { ArgumentDocs, CommandDocs, CommandSpec } from '../command-spec.js';
import { array, bulk, map, type Reply, set, simple } from '../resp.js';

/** A command or a subcommand by its full name (`ping`, `client|setinfo`), case-insensitively, as Redis 7 looks them up. */
export function findCommand(commands: readonly CommandSpec[], fullName: string): CommandSpec | undefined {
  const [top, sub, ...rest] = fullName.toLowerCase().split('|');
  if (rest.length > 0) return undefined;
  const command = commands.find((c) => c.name === top);
  if (sub === undefined || command === undefined) return command;
  return command.subcommands?.find((s) => s.name === `${top}|${sub}`);
}

/** Every full name, each command followed by its subcommands (Redis 7's COMMAND LIST). */
export function fullNames(commands: readonly CommandSpec[]): string[] {
  return commands.flatMap((c) => [c.name, ...fullNames(c.subcommands ?? [])]);
}

const entry = (key: string, value: Reply): [string, Reply] => [key, value];

/** One argument's map, in the field order of Redis 7.2's `addReplyCommandArgList`. */
function argumentReply(arg: ArgumentDocs): Reply {
  const nested = arg.type === 'oneof' || arg.type === 'block';
  const entries: [string, Reply][] = [entry('name', bulk(arg.name)), entry('type', bulk(arg.type))];
  if (!nested) entries.push(entry('display_text', bulk(arg.displayText ?? arg.name)));
  if (arg.token !== undefined) entries.push(entry('token', bulk(arg.token)));
  if (arg.summary !== undefined) entries.push(entry('summary', bulk(arg.summary)));
  if (arg.since !== undefined) entries.push(entry('since', bulk(arg.since)));
  if (arg.deprecatedSince !== undefined) entries.push(entry('deprecated_since', bulk(arg.deprecatedSince)));
  if (arg.flags !== undefined) entries.push(entry('flags', set(arg.flags.map(simple))));
  if (nested) entries.push(entry('arguments', array((arg.arguments ?? []).map(argumentReply))));
  return map(entries);
}

/** A command's documentation map, in the field order of Redis 7.2's `addReplyCommandDocs`. */
export function docsReply(spec: CommandSpec): Reply {
  const docs: CommandDocs = spec.docs;
  const entries: [string, Reply][] = [
    entry('summary', bulk(docs.summary)),
    entry('since', bulk(docs.since)),
    entry('group', bulk(docs.group)),
  ];
  if (docs.complexity !== undefined) entries.push(entry('complexity', bulk(docs.complexity)));
  if (docs.docFlags !== undefined) entries.push(entry('doc_flags', set(docs.docFlags.map(simple))));
  if (docs.deprecatedSince !== undefined) entries.push(entry('deprecated_since', bulk(docs.deprecatedSince)));
  if (docs.replacedBy !== undefined) entries.push(entry('replaced_by', bulk(docs.replacedBy)));
  if (docs.history !== undefined) {
    entries.push(
      entry('history', array(docs.history.map(([version, what]) => array([bulk(version), bulk(what)])))),
    );
  }
  if (docs.arguments !== undefined)
    entries.push(entry('arguments', array(docs.arguments.map(argumentReply))));
  if (spec.subcommands !== undefined) {
    entries.push(entry('subcommands', map(spec.subcommands.map((s) => [s.name, docsReply(s)]))));
  }
  return map(entries);
}
