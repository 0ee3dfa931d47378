// `edge-sentinel status [group]`: every node with its committed role and what its agent observes,
// each agent's view of every node, and each voter's answer.
import type { Command } from '@commander-js/extra-typings';
import { GroupStatusSchema } from '../../../workers/api/schemas.js';
import { type CliContext, clientOf, groupOf, printJson } from '../context.js';
import { statusView } from '../render/status-view.js';
import { table } from '../render/table.js';

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description("one group's master, nodes, agents and voters (the only group when none is named)")
    .argument('[group]', 'the group (default: the only one)')
    .option('--json', 'print the API answer (GET /v1/groups/:group) as JSON')
    .action(async (named, options, command) => {
      const client = clientOf(ctx, command);
      const group = await groupOf(client, named);
      const status = await client.read(`/v1/groups/${encodeURIComponent(group)}`, GroupStatusSchema);
      if (options.json === true) return printJson(ctx, status);
      const view = statusView(status);
      for (const line of view.summary) ctx.io.out(line);
      ctx.io.out('');
      ctx.io.out(table(view.nodes.head, view.nodes.rows));
      ctx.io.out('\nWhat each agent sees:');
      ctx.io.out(table(view.agentViews.head, view.agentViews.rows));
      ctx.io.out('\nVoters:');
      ctx.io.out(table(view.voters.head, view.voters.rows));
    });
}
