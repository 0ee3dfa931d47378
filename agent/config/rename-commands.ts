// The commands the agent (and its fence) send to the nodes, and the validation of a group's renameCommands map.
import { z } from 'zod';

/**
 * Every command the agent sends to a node, by Redis's name. AUTH is not here: the agent's Redis
 * client (ioredis) sends it when connecting, under that name only. SLAVEOF is not sent (REPLICAOF is).
 */
export const RENAMABLE_COMMANDS = [
  'PING',
  'INFO',
  'ROLE',
  'CONFIG',
  'REPLICAOF',
  'CLIENT',
  'MULTI',
  'EXEC',
  'FAILOVER',
  'REPLCONF',
] as const;

export type RenamableCommand = (typeof RENAMABLE_COMMANDS)[number];

/** A group's renamed commands: Redis's name (upper case) -> the name its nodes know it by. */
export type RenameCommands = Readonly<Partial<Record<RenamableCommand, string>>>;

/** Why a command cannot be renamed for the agent (null: it can), said the same in the file and in SENTINEL SET. */
export function renameRefusal(command: string): string | null {
  const upper = command.toUpperCase();
  if ((RENAMABLE_COMMANDS as readonly string[]).includes(upper)) return null;
  if (upper === 'SLAVEOF') return 'the agent sends REPLICAOF (SLAVEOF is its old name): rename REPLICAOF';
  if (upper === 'AUTH')
    return "AUTH cannot be renamed: the agent's Redis client sends it as AUTH when it connects";
  return `the agent sends only ${RENAMABLE_COMMANDS.join(', ')} to the nodes`;
}

/** What a node may call a command: Redis reads one word, so no spaces or control characters. */
export const RenamedNameSchema = z
  .string()
  .min(
    1,
    'a renamed command needs a name (a command renamed to "" is disabled on the node and cannot be sent)',
  )
  .max(128)
  .regex(/^[^\s\p{Cc}]+$/u, 'a command name has no spaces or control characters');

/**
 * `groups[].renameCommands` in the agent file: keys are Redis's names (any case), each once;
 * a command renamed to its own name is no renaming.
 */
export const RenameCommandsSchema = z
  .record(z.string(), RenamedNameSchema)
  .superRefine((map, ctx) => {
    const seen = new Set<string>();
    for (const key of Object.keys(map)) {
      const refusal = renameRefusal(key);
      if (refusal !== null) ctx.addIssue({ code: 'custom', message: `${key}: ${refusal}`, path: [key] });
      const upper = key.toUpperCase();
      if (seen.has(upper))
        ctx.addIssue({ code: 'custom', message: `${upper} is renamed twice`, path: [key] });
      seen.add(upper);
    }
  })
  .transform(
    (map): RenameCommands =>
      Object.entries(map).reduce<RenameCommands>((out, [key, name]) => withRenaming(out, key, name), {}),
  );

/**
 * `map` with `command` (any case; a renamable one) sent as `name` from now on, as Sentinel's
 * rename-command: a command renamed to its own name (any case) is renamed no more.
 */
export function withRenaming(map: RenameCommands, command: string, name: string): RenameCommands {
  const upper = command.toUpperCase() as RenamableCommand;
  const { [upper]: _previous, ...rest } = map;
  return name.toUpperCase() === upper ? rest : { ...rest, [upper]: name };
}
