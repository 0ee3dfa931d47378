// Operator actions: `failover` and `switchover` (one election, followed until the new master is
// published or the election is abandoned), `pause`, `resume` and `reset` (every voter; done once a
// majority acknowledged).
import type { Command, OptionValues } from '@commander-js/extra-typings';
import {
  AdminAcceptedSchema,
  AdminFanOutSchema,
  EventsPageSchema,
  type GroupStatus,
  GroupStatusSchema,
  MasterSchema,
} from '../../../workers/api/schemas.js';
import type { ApiClient } from '../api-client.js';
import { type CliContext, clientOf, groupOf, printJson } from '../context.js';
import { CliError } from '../errors.js';
import { intOption, nodeOption } from '../options.js';

export function registerAdminCommands(program: Command, ctx: CliContext): void {
  withFollowOptions(
    program
      .command('failover')
      .description('elect a new master now, even if the current one is healthy (Sentinel: SENTINEL FAILOVER)')
      .argument('[group]', 'the group (default: the only one)')
      .option(
        '--to <host:port>',
        'the replica to promote (default: the best one, as an automatic failover ranks them)',
        nodeOption,
      ),
  ).action(async (named, options, command) => {
    const client = clientOf(ctx, command);
    await change(ctx, client, await groupOf(client, named), {
      kind: 'failover',
      body: options.to === undefined ? {} : { target: options.to },
      target: options.to,
      ...options,
    });
  });

  withFollowOptions(
    program
      .command('switchover')
      .description(
        'move the master role to a replica with no acknowledged write lost (writes pause during the hand-off)',
      )
      .argument('[group]', 'the group (default: the only one)')
      .option('--to <host:port>', 'the replica to promote (default: the best one)', nodeOption)
      .option(
        '--timeout <ms>',
        "bound on the hand-off (at most the group's failoverTimeoutMs)",
        intOption('--timeout', 100, 3_600_000),
      ),
  ).action(async (named, options, command) => {
    const client = clientOf(ctx, command);
    await change(ctx, client, await groupOf(client, named), {
      kind: 'switchover',
      body: {
        ...(options.to === undefined ? {} : { target: options.to }),
        ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
      },
      target: options.to,
      ...options,
    });
  });

  for (const [kind, description] of [
    ['pause', 'stop automatic failovers (agents keep probing; operator failover/switchover still work)'],
    ['resume', 'allow automatic failovers again'],
    [
      'reset',
      "forget agents and replicas that are gone and clear the voters' failure counts (Sentinel: SENTINEL RESET)",
    ],
  ] as const) {
    program
      .command(kind)
      .description(description)
      .argument('[group]', 'the group (default: the only one)')
      .option('--json', 'print the per-voter answers as JSON')
      .action(async (named, options, command) => {
        const client = clientOf(ctx, command);
        const group = await groupOf(client, named);
        const answer = await client.admin(
          `/v1/groups/${encodeURIComponent(group)}/${kind}`,
          {},
          AdminFanOutSchema,
        );
        if (options.json === true) return printJson(ctx, answer);
        ctx.io.out(
          `${kind} of ${group}: acknowledged by ${answer.acknowledged} of ${answer.voters.length} voters (a majority is ${answer.majority})`,
        );
        for (const v of answer.voters.filter((v) => !v.ok)) {
          ctx.io.out(`  voter ${v.voter}: ${v.code ?? 'refused'} ${v.reason}`);
        }
      });
  }
}

/** What failover and switchover share: confirmation, following the election, and its output. */
function withFollowOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(
  command: Command<Args, Opts, Globals>,
) {
  return command
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-wait', 'return once a voter accepted, without following the election')
    .option(
      '--wait-timeout <seconds>',
      'how long to follow it (default: 3 x failoverTimeoutMs + 10 s)',
      intOption('--wait-timeout', 1, 3600),
    )
    .option('--json', 'print the outcome as JSON');
}

interface ChangeRequest {
  readonly kind: 'failover' | 'switchover';
  readonly body: Record<string, unknown>;
  readonly target: string | undefined;
  readonly yes?: true | undefined;
  readonly wait: boolean;
  readonly waitTimeout?: number | undefined;
  readonly json?: true | undefined;
}

/** Asks, sends, then follows the election until the master is published at a newer epoch or it is abandoned. */
async function change(
  ctx: CliContext,
  client: ApiClient,
  group: string,
  request: ChangeRequest,
): Promise<void> {
  const path = `/v1/groups/${encodeURIComponent(group)}`;
  const before = await client.read(path, GroupStatusSchema);
  const from = before.master === null ? 'the current master' : `${before.master.host}:${before.master.port}`;
  const to = request.target ?? 'the best replica';
  if (request.yes !== true && ctx.io.interactive) {
    const answer = await ctx.io.ask(`${request.kind} of ${group}: from ${from} to ${to}. Proceed? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(`${request.kind} not sent: not confirmed`);
  }
  const startedMs = performance.now();
  const accepted = await client.admin(`${path}/${request.kind}`, request.body, AdminAcceptedSchema);
  if (!request.wait) {
    if (request.json === true) return printJson(ctx, { accepted, outcome: 'accepted' });
    ctx.io.out(`${request.kind} of ${group} accepted by voter ${accepted.voter}: ${accepted.reason}`);
    return;
  }
  if (request.json !== true)
    ctx.io.err(`${request.kind} of ${group} accepted by voter ${accepted.voter}; following it`);
  const waitMs = (request.waitTimeout ?? (3 * before.settings.failoverTimeoutMs) / 1000 + 10) * 1000;
  const outcome = await follow(ctx, client, group, before, accepted.voter, startedMs + waitMs);
  const tookMs = Math.round(performance.now() - startedMs);
  if (outcome.kind === 'published') {
    const now = `${outcome.master.host}:${outcome.master.port}`;
    if (request.json === true)
      return printJson(ctx, { accepted, outcome: 'done', from, master: outcome.master, tookMs });
    ctx.io.out(
      `${request.kind} of ${group} done: master ${from} -> ${now} at epoch ${outcome.master.epoch}, published ${tookMs} ms after the request`,
    );
    return;
  }
  if (request.json === true)
    printJson(ctx, { accepted, outcome: outcome.kind, reason: outcome.reason, tookMs });
  throw new CliError(
    outcome.kind === 'aborted'
      ? `${request.kind} of ${group} abandoned: ${outcome.reason}`
      : `${request.kind} of ${group}: no new master published within ${Math.round(waitMs / 1000)} s (see: edge-sentinel events ${group})`,
  );
}

type Outcome =
  | { readonly kind: 'published'; readonly master: ReturnType<typeof MasterSchema.parse> }
  | { readonly kind: 'aborted' | 'timeout'; readonly reason: string };

/**
 * Long-polls the published master past the epoch read before the request, and reads the
 * accepting voter's log for an abort of a newer epoch between polls.
 */
async function follow(
  ctx: CliContext,
  client: ApiClient,
  group: string,
  before: GroupStatus,
  voter: number,
  deadlineMs: number,
): Promise<Outcome> {
  const path = `/v1/groups/${encodeURIComponent(group)}`;
  const epoch = before.epoch ?? 0;
  const oldMaster = before.master === null ? null : `${before.master.host}:${before.master.port}`;
  let cursor = before.voters.find((v) => v.index === voter)?.lastEventId ?? 0;
  while (performance.now() < deadlineMs && !ctx.interrupted.aborted) {
    const pollMs = Math.max(0, Math.min(1_000, deadlineMs - performance.now()));
    const master = await client.read(
      `${path}/master?waitEpoch=${epoch}&timeoutMs=${Math.round(pollMs)}`,
      MasterSchema,
      pollMs,
    );
    if (master.epoch > epoch && `${master.host}:${master.port}` !== oldMaster)
      return { kind: 'published', master };
    const page = await client.read(
      `${path}/events?voter=${voter}&after=${cursor}&limit=500`,
      EventsPageSchema,
    );
    cursor = page.cursor;
    const abort = page.events.find((e) => e.epoch > epoch && e.name.startsWith('-failover-abort'));
    if (abort !== undefined)
      return { kind: 'aborted', reason: `${abort.name} at epoch ${abort.epoch}: ${abort.reason}` };
  }
  return { kind: 'timeout', reason: ctx.interrupted.aborted ? 'interrupted' : 'timeout' };
}
