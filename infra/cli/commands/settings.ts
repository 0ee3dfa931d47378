// `edge-sentinel settings` (effective runtime-overridable settings and where each comes from) and
// `edge-sentinel set` (override some at runtime, or --reset back to wrangler.toml's).
import type { Command } from '@commander-js/extra-typings';
import type { z } from 'zod';
import { GroupSettingsSchema, SettingsWriteSchema } from '../../../workers/api/schemas.js';
import { SettingsPatchSchema } from '../../../workers/config/settings-schema.js';
import { OVERRIDABLE_SETTINGS } from '../../../workers/core/settings-override.js';
import { type CliContext, clientOf, groupOf, printJson } from '../context.js';
import { usageError } from '../errors.js';
import { table } from '../render/table.js';

type SettingsAnswer = z.infer<typeof GroupSettingsSchema>;

/**
 * Splits `set`'s arguments into the group (an optional first word without "=") and a patch:
 * `name=value` with an integer value, or `name=default` to remove that override.
 */
export function parseAssignments(args: readonly string[]): {
  group: string | undefined;
  patch: z.infer<typeof SettingsPatchSchema>;
} {
  const [first, ...rest] = args;
  const group = first !== undefined && !first.includes('=') ? first : undefined;
  const assignments = group === undefined ? args : rest;
  const patch: Record<string, number | null> = {};
  for (const assignment of assignments) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(assignment);
    if (match === null) throw usageError(`"${assignment}" is not name=value`);
    const [, name = '', value = ''] = match;
    if (!(OVERRIDABLE_SETTINGS as readonly string[]).includes(name)) {
      throw usageError(
        `${name} cannot be set at runtime (one of ${OVERRIDABLE_SETTINGS.join(', ')}; leaseMs, fencing, voters and clockDriftRatio are deploy-time only)`,
      );
    }
    if (name in patch) throw usageError(`${name} is given twice`);
    if (value === 'default') patch[name] = null;
    else if (/^\d+$/.test(value)) patch[name] = Number(value);
    else throw usageError(`${name}=${value}: the value must be a whole number, or "default"`);
  }
  const parsed = SettingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw usageError(`${issue?.path.join('.') ?? 'settings'}: ${issue?.message ?? 'invalid'}`);
  }
  return { group, patch: parsed.data };
}

function render(ctx: CliContext, answer: SettingsAnswer): void {
  // A coordinator deployed before a setting existed does not report it: its row is left out.
  const rows = OVERRIDABLE_SETTINGS.flatMap((key) => {
    const value = answer.settings[key];
    return value === undefined ? [] : [[key, String(value), answer.settingsSources[key] ?? 'wrangler.toml']];
  });
  ctx.io.out(`${answer.group}: runtime settings version ${answer.settingsVersion}`);
  ctx.io.out(table(['Setting', 'Value', 'Source'], rows));
}

export function registerSettingsCommands(program: Command, ctx: CliContext): void {
  program
    .command('settings')
    .description(
      'the runtime-overridable settings in effect, and whether each comes from wrangler.toml or a runtime override',
    )
    .argument('[group]', 'the group (default: the only one)')
    .option('--json', 'print the settings as JSON')
    .action(async (named, options, command) => {
      const client = clientOf(ctx, command);
      const group = await groupOf(client, named);
      const answer = await client.read(
        `/v1/groups/${encodeURIComponent(group)}/settings`,
        GroupSettingsSchema,
      );
      if (options.json === true) return printJson(ctx, answer);
      render(ctx, answer);
    });

  program
    .command('set')
    .description(
      'override settings at runtime on a majority of voters; every agent applies them (like SENTINEL SET)',
    )
    .argument(
      '[group-and-assignments...]',
      `[group] name=value ... with name one of ${OVERRIDABLE_SETTINGS.join(', ')}; name=default removes one override`,
    )
    .option('--reset', "remove every runtime override (back to wrangler.toml's values)")
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', '\nExample: edge-sentinel set mymaster quorum=3 downAfterMs=2000')
    .action(async (args, options, command) => {
      const { group: named, patch } = parseAssignments(args);
      const reset = options.reset === true;
      if (reset === Object.keys(patch).length > 0) {
        throw usageError(
          reset
            ? 'give either --reset or name=value, not both'
            : 'nothing to set: give name=value or --reset',
        );
      }
      const client = clientOf(ctx, command);
      const group = await groupOf(client, named);
      const path = `/v1/groups/${encodeURIComponent(group)}/settings${reset ? '?reset=1' : ''}`;
      const answer = await client.admin(path, reset ? {} : patch, SettingsWriteSchema, 'PUT');
      if (options.json === true) return printJson(ctx, answer);
      ctx.io.out(
        `settings of ${group}: version ${answer.settingsVersion} adopted by ${answer.acknowledged} of ${answer.voters.length} voters (a majority is ${answer.majority})`,
      );
      for (const v of answer.voters.filter((v) => !v.ok))
        ctx.io.out(`  voter ${v.voter}: ${v.code ?? 'refused'} ${v.reason}`);
      render(ctx, answer);
    });
}
