// `edge-sentinel events [group] [--follow]`: the group's events from every voter, merged; --follow
// streams new ones (SSE), each voter's stream resumed by id after a dropped connection.
import type { Command } from '@commander-js/extra-typings';
import { GroupStatusSchema } from '../../../workers/api/schemas.js';
import { type CliContext, clientOf, groupOf } from '../context.js';
import { followEvents, readEvents } from '../event-feed.js';
import { intOption } from '../options.js';
import { eventJsonLine, eventLine } from '../render/event-line.js';

export function registerEventsCommand(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description("the group's events (every voter's log merged, each event once); --follow streams new ones")
    .argument('[group]', 'the group (default: the only one)')
    .option('-f, --follow', 'keep streaming new events until Ctrl-C (reconnects and resumes by event id)')
    .option('--voter <index>', "one voter's log only (ids are per voter)", intOption('--voter', 0, 4))
    .option(
      '-n, --last <count>',
      'how many stored events to print first (0: none)',
      intOption('--last', 0, 100_000),
      50,
    )
    .option('--json', 'one JSON object per line (with the voter it came from)')
    .action(async (named, options, command) => {
      const client = clientOf(ctx, command);
      const group = await groupOf(client, named);
      const voters =
        options.voter !== undefined
          ? [options.voter]
          : await client
              .read(`/v1/groups/${encodeURIComponent(group)}`, GroupStatusSchema)
              .then((s) => Array.from({ length: s.settings.voters }, (_, i) => i));
      const print = (e: Parameters<typeof eventLine>[0]) =>
        ctx.io.out(options.json === true ? eventJsonLine(e) : eventLine(e));
      const warn = (line: string) => ctx.io.err(`edge-sentinel: ${line}`);
      const stored = await readEvents(client, group, voters, warn);
      if (options.last > 0) for (const e of stored.events.slice(-options.last)) print(e);
      if (options.follow !== true) return;
      await followEvents(client, group, voters, {
        after: stored.lastIds,
        signal: ctx.interrupted,
        onEvent: print,
        onTrouble: warn,
      });
    });
}
