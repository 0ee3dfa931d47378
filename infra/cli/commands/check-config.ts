// `edge-sentinel check-config [wrangler.toml] [--env name]` (also `npm run check-config`).
import type { Command } from '@commander-js/extra-typings';
import { checkConfigFile } from '../../scripts/check-config.js';
import type { CliContext } from '../context.js';

export function registerCheckConfigCommand(program: Command, ctx: CliContext): void {
  program
    .command('check-config')
    .description("validate the Worker's configuration (wrangler.toml) before wrangler deploy")
    .argument('[file]', 'the wrangler configuration', 'wrangler.toml')
    .option('--env <name>', 'check that wrangler environment ([env.<name>])')
    .addHelpText(
      'after',
      `
Checks [vars.GROUPS] (every field; voters 1, 3 or 5; a quorum no larger than the group's nodes
when it lists them), the Voter Durable Object binding and its migration.
Exit codes: 0 valid, 1 invalid or unreadable, 2 usage.`,
    )
    .action((file, options) => {
      ctx.exitCode = checkConfigFile(file, options.env, { out: ctx.io.out, err: ctx.io.err });
    });
}
