// A command under the name the group's nodes know it by (groups[].renameCommands), and refusals that say which name was sent.
import type { RenameCommands } from '../config/rename-commands.js';

/** The name to send for Redis's `command` (any case): the group's renaming, else the command itself. */
export function nodeCommandName(renamed: RenameCommands | undefined, command: string): string {
  const upper = command.toUpperCase();
  return (renamed as Readonly<Record<string, string>> | undefined)?.[upper] ?? command;
}

/**
 * A node's refusal of `command`, with the renaming it was sent under when the node does not know
 * the name: a wrong or missing renameCommands entry then reads as such in every log and result,
 * not as a bare "unknown command".
 */
export function explainRefusal(renamed: RenameCommands | undefined, command: string, text: string): string {
  if (!/unknown command/i.test(text)) return text;
  const upper = command.toUpperCase();
  const sent = nodeCommandName(renamed, upper);
  return sent === upper
    ? `${text} (${upper} is not renamed for this group: if the node renames it, set groups[].renameCommands.${upper} or SENTINEL SET <group> rename-command ${upper} <name>)`
    : `${text} (${upper} is sent as '${sent}' by groups[].renameCommands or SENTINEL SET rename-command: check the node's rename-command)`;
}
