// `edge-sentinel agent ...`: the agent process (its own options and --help), reachable as
// `npx edge-sentinel agent` in a checkout, where npm links only the package's own name.
import type { Command } from '@commander-js/extra-typings';
import type { CliContext } from '../context.js';

export function registerAgentCommand(program: Command, ctx: CliContext): void {
  program
    .command('agent')
    .description('run the agent (edge-sentinel agent --config agent.yaml), or validate its file with --check')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]', "the agent's own options (see: edge-sentinel agent --help)")
    .action(async (args) => {
      const { main: agentMain } = await import('../../../agent/cli.js');
      ctx.exitCode = await agentMain(args, ctx.env);
    });
}
