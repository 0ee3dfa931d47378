// The `edge-sentinel` command line (commander): global connection options, then one file per
// command under commands/. Exit codes: 0 ok, 1 refused or failed, 2 usage.
import { Command, Option } from '@commander-js/extra-typings';
import { registerAdminCommands } from './commands/admin.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerCheckConfigCommand } from './commands/check-config.js';
import { registerEventsCommand } from './commands/events.js';
import { registerGroupsCommand } from './commands/groups.js';
import { registerHistoryCommand } from './commands/history.js';
import { registerSettingsCommands } from './commands/settings.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTokenCommand } from './commands/token.js';
import { registerWaitMasterCommand } from './commands/wait-master.js';
import { type CliContext, DEFAULT_URL } from './context.js';
import { intOption } from './options.js';

export const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 refused or failed (the coordinator said no, did not answer, or the wait ran
out), 2 usage (a bad option or argument, a missing token).`;

const ENVIRONMENT_HELP = `
Environment: EDGE_SENTINEL_URL, EDGE_SENTINEL_ADMIN_TOKEN, EDGE_SENTINEL_READ_TOKEN stand in for
--url, --admin-token and --read-token (flags win). AGENT_SECRET is read by "token".`;

export function buildProgram(ctx: CliContext) {
  const program = new Command('edge-sentinel')
    .description('Operate edge-sentinel (Redis high availability) through its coordinator HTTP API.')
    .addOption(
      new Option('--url <url>', `coordinator base URL (default: $EDGE_SENTINEL_URL or ${DEFAULT_URL})`),
    )
    .addOption(
      new Option('--admin-token <token>', 'admin token for failover, switchover, pause, resume, reset, set'),
    )
    .addOption(new Option('--read-token <token>', "read token, when the Worker's READ_TOKEN is set"))
    .addOption(
      new Option('--request-timeout <ms>', 'bound on each HTTP request')
        .argParser(intOption('--request-timeout', 100, 600_000))
        .default(10_000),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.out(text.replace(/\n$/, '')),
      writeErr: (text) => ctx.io.err(text.replace(/\n$/, '')),
      outputError: (text, write) => write(text.replace(/^error: /, 'edge-sentinel: ')),
    })
    .showHelpAfterError(true)
    .addHelpCommand(true)
    .addHelpText('after', `${EXIT_CODES_HELP}\n${ENVIRONMENT_HELP}`);
  registerStatusCommand(program, ctx);
  registerGroupsCommand(program, ctx);
  registerAdminCommands(program, ctx);
  registerSettingsCommands(program, ctx);
  registerEventsCommand(program, ctx);
  registerHistoryCommand(program, ctx);
  registerWaitMasterCommand(program, ctx);
  registerTokenCommand(program, ctx);
  registerCheckConfigCommand(program, ctx);
  registerAgentCommand(program, ctx);
  return program;
}

export type Program = ReturnType<typeof buildProgram>;
