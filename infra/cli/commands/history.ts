// `edge-sentinel history [group]`: the failovers and switchovers the voters' logs hold.
import type { Command } from '@commander-js/extra-typings';
import { GroupStatusSchema } from '../../../workers/api/schemas.js';
import { type CliContext, clientOf, groupOf, printJson } from '../context.js';
import { readEvents } from '../event-feed.js';
import { historyOf } from '../history.js';
import { intOption } from '../options.js';
import { table } from '../render/table.js';

export function registerHistoryCommand(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description(
      "failovers and switchovers: epoch, cause, from, to, when, how long (from the voters' event logs)",
    )
    .argument('[group]', 'the group (default: the only one)')
    .option('-n, --last <count>', 'the newest changes only', intOption('--last', 1, 100_000))
    .option('--json', 'print the changes as JSON')
    .action(async (named, options, command) => {
      const client = clientOf(ctx, command);
      const group = await groupOf(client, named);
      const status = await client.read(`/v1/groups/${encodeURIComponent(group)}`, GroupStatusSchema);
      const voters = Array.from({ length: status.settings.voters }, (_, i) => i);
      const { events } = await readEvents(client, group, voters, (line) =>
        ctx.io.err(`edge-sentinel: ${line}`),
      );
      const all = historyOf(events.map((e) => e.event));
      const changes = options.last === undefined ? all : all.slice(-options.last);
      if (options.json === true) return printJson(ctx, { group, changes });
      if (changes.length === 0) {
        ctx.io.out(
          `${group}: no failover or switchover in the voters' logs (they keep the last 10,000 events each)`,
        );
        return;
      }
      const rows = changes.map((c) => [
        String(c.epoch),
        c.cause,
        c.from ?? '?',
        c.to ?? '?',
        c.startedAt,
        c.durationMs === null ? '' : `${c.durationMs} ms`,
        c.detectedAt === null || c.endedAt === null
          ? ''
          : `${Date.parse(c.endedAt) - Date.parse(c.detectedAt)} ms`,
        c.outcome === 'aborted' && c.abort !== null ? `aborted: ${c.abort.name}` : c.outcome,
      ]);
      ctx.io.out(
        table(['Epoch', 'Cause', 'From', 'To', 'Started', 'Duration', 'From +odown', 'Outcome'], rows),
      );
    });
}
