// `edge-sentinel wait-master [group]`: prints the master, then each new one as the voters publish
// it (HTTP long-poll). Scripts: `--after-epoch N --once --timeout S` waits for a master newer than
// epoch N and exits 0, or 1 when none came in time.
import type { Command } from '@commander-js/extra-typings';
import { MasterSchema } from '../../../workers/api/schemas.js';
import { backoffDelayMs } from '../../../workers/protocol/index.js';
import { type CliContext, clientOf, groupOf } from '../context.js';
import { CliError } from '../errors.js';
import { RECONNECT } from '../event-feed.js';
import { intOption } from '../options.js';
import { sleepUnlessAborted } from '../sleep.js';

/** Each long-poll waits at most this long (the API's bound is larger; shorter keeps Ctrl-C prompt). */
const POLL_MS = 25_000;

type Master = ReturnType<typeof MasterSchema.parse>;

export function registerWaitMasterCommand(program: Command, ctx: CliContext): void {
  program
    .command('wait-master')
    .description('print the published master, then every change (long-poll); for scripts and watching')
    .argument('[group]', 'the group (default: the only one)')
    .option(
      '--after-epoch <epoch>',
      'print only masters published at a newer epoch',
      intOption('--after-epoch', 0, Number.MAX_SAFE_INTEGER),
    )
    .option('--once', 'exit 0 after the first master printed')
    .option(
      '--timeout <seconds>',
      'give up after this long (exit 1 if --once printed nothing, else 0)',
      intOption('--timeout', 1, 86_400),
    )
    .option('--json', 'one JSON object per master (the API answer)')
    .action(async (named, options, command) => {
      const client = clientOf(ctx, command);
      const group = await groupOf(client, named);
      const path = `/v1/groups/${encodeURIComponent(group)}/master`;
      const deadlineMs =
        options.timeout === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.timeout * 1000;
      const print = (m: Master) =>
        ctx.io.out(
          options.json === true
            ? JSON.stringify(m)
            : `${m.host}:${m.port} epoch ${m.epoch}${m.since === null ? '' : ` since ${m.since}`}`,
        );
      let epoch = options.afterEpoch;
      let failures = 0;
      while (!ctx.interrupted.aborted && performance.now() < deadlineMs) {
        const pollMs = Math.round(Math.max(0, Math.min(POLL_MS, deadlineMs - performance.now())));
        let master: Master;
        try {
          master = await client.read(
            // The first read is a majority read too, not an isolate's recent copy.
            epoch === undefined
              ? `${path}?consistency=majority`
              : `${path}?waitEpoch=${epoch}&timeoutMs=${pollMs}`,
            MasterSchema,
            epoch === undefined ? 0 : pollMs,
          );
          failures = 0;
        } catch (error) {
          // A watcher outlives a coordinator blip: say so and retry, bounded by --timeout.
          ctx.io.err(`edge-sentinel: ${error instanceof Error ? error.message : String(error)}; retrying`);
          await sleepUnlessAborted(backoffDelayMs(RECONNECT, failures++, Math.random), ctx.interrupted);
          continue;
        }
        if (epoch === undefined || master.epoch > epoch) {
          print(master);
          epoch = master.epoch;
          if (options.once === true) return;
        }
      }
      if (options.once === true && !ctx.interrupted.aborted) {
        throw new CliError(
          `no master of ${group} published after epoch ${epoch ?? '?'} within ${options.timeout} s`,
        );
      }
    });
}
