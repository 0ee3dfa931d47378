// `edge-sentinel groups`: every group the coordinator serves, with its published master.
import type { Command } from '@commander-js/extra-typings';
import type { z } from 'zod';
import { GroupListSchema } from '../../../workers/api/schemas.js';
import { type CliContext, clientOf, printJson } from '../context.js';
import { table } from '../render/table.js';

type GroupList = z.infer<typeof GroupListSchema>;

/** The API's page bound. */
const PAGE = 100;

export function registerGroupsCommand(program: Command, ctx: CliContext): void {
  program
    .command('groups')
    .description('every group with its master and epoch (pages through GET /v1/groups)')
    .option('--json', 'print the groups as JSON')
    .action(async (options, command) => {
      const client = clientOf(ctx, command);
      const groups = [];
      let after: string | null = '';
      while (after !== null) {
        const query: string = `limit=${PAGE}${after === '' ? '' : `&after=${encodeURIComponent(after)}`}`;
        const page: GroupList = await client.read(`/v1/groups?${query}`, GroupListSchema);
        groups.push(...page.groups);
        after = page.next;
      }
      if (options.json === true) return printJson(ctx, { groups });
      const rows = groups.map((g) => [
        g.group,
        g.master === null ? '' : `${g.master.host}:${g.master.port}`,
        g.master === null ? '' : String(g.master.epoch),
        String(g.voters),
        String(g.quorum),
        g.error ?? '',
      ]);
      ctx.io.out(table(['Group', 'Master', 'Epoch', 'Voters', 'Quorum', 'Error'], rows));
    });
}
