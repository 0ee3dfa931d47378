// Operator actions (admin token): failover and switchover go to one voter, pause/resume/reset to all.
import { Hono } from 'hono';
import { adminAccess } from '../../auth/guards.js';
import type { AdminAction } from '../../core/types.js';
import type { AdminResult } from '../../voter/contract.js';
import { type AppContext, type AppEnv, groupOf, voterIndexOf, votersOf } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { settleAll } from '../gather.js';
import { EmptyBodySchema, FailoverBodySchema, OutageBodySchema, SwitchoverBodySchema } from '../schemas.js';
import { jsonBody } from '../validate.js';
import { voterValue } from '../voters.js';

export const adminRoutes = new Hono<AppEnv>()
  .post('/:group/failover', adminAccess(), jsonBody(FailoverBodySchema), async (c) => {
    const { target } = c.req.valid('json');
    return askOneVoter(c, { kind: 'failover', target: target ?? null });
  })
  .post('/:group/switchover', adminAccess(), jsonBody(SwitchoverBodySchema), async (c) => {
    const { target, timeoutMs } = c.req.valid('json');
    const group = groupOf(c);
    if (timeoutMs !== undefined && timeoutMs > group.config.failoverTimeoutMs) {
      throw new ApiError(
        400,
        'bad_request',
        `body.timeoutMs: at most the group's failoverTimeoutMs (${group.config.failoverTimeoutMs})`,
      );
    }
    return askOneVoter(c, { kind: 'switchover', target: target ?? null, timeoutMs: timeoutMs ?? null });
  })
  .post('/:group/pause', adminAccess(), jsonBody(EmptyBodySchema), (c) => askAllVoters(c, { kind: 'pause' }))
  .post('/:group/resume', adminAccess(), jsonBody(EmptyBodySchema), (c) =>
    askAllVoters(c, { kind: 'resume' }),
  )
  .post('/:group/reset', adminAccess(), jsonBody(EmptyBodySchema), (c) => askAllVoters(c, { kind: 'reset' }))
  // Outage drills exist only where OUTAGE_DRILLS is "on" (the local stack); elsewhere: 404.
  .post('/:group/voters/:i/outage', adminAccess(), jsonBody(OutageBodySchema), async (c) => {
    if (c.env.OUTAGE_DRILLS !== 'on') {
      throw notFound('not_found', 'outage drills are off (set the OUTAGE_DRILLS var to "on")');
    }
    const group = groupOf(c);
    const voters = votersOf(c, group);
    const index = voterIndexOf(group, voters, c.req.param('i'));
    const { down } = c.req.valid('json');
    const answer = await voters.stub(index).outage({ group: group.name, index }, down);
    // The route checked every reason to refuse (body, voter index), so a refusal here is a bug: 500.
    const result = voterValue(index, answer);
    return c.json({ group: group.name, voter: index, down: result.down });
  });

/**
 * A failover or switchover is one election: the first voter that answers runs it (its peers vote
 * through DO RPC). 202: the election runs after the answer; follow it with events or long-poll.
 */
async function askOneVoter(c: AppContext, action: AdminAction & { kind: 'failover' | 'switchover' }) {
  const group = groupOf(c);
  const voters = votersOf(c, group);
  const first = await voters.first((stub, address) => stub.admin(address, action));
  if (first.index === null) {
    throw new ApiError(503, 'no_voter', `no voter of "${group.name}" answered: ${first.errors.join('; ')}`);
  }
  if (!first.value.ok) throw refusal(action.kind, first.value);
  return c.json(
    { group: group.name, action: action.kind, voter: first.index, reason: first.value.reason },
    202,
  );
}

/** Pause, resume and reset change every voter; they count only once a majority acknowledged. */
async function askAllVoters(c: AppContext, action: AdminAction & { kind: 'pause' | 'resume' | 'reset' }) {
  const group = groupOf(c);
  const voters = votersOf(c, group);
  const settled = await settleAll(voters.callAll((stub, address) => stub.admin(address, action)));
  const reports = voters.indices().map((voter) => {
    const answer = settled.answers.find((a) => a.index === voter)?.value;
    if (answer === undefined) {
      const error = settled.failures.find((f) => f.index === voter)?.error ?? 'no answer';
      return { voter, ok: false, code: 'UNREACHABLE', reason: error };
    }
    return { voter, ok: answer.ok, code: answer.ok ? null : answer.code, reason: answer.reason };
  });
  const acknowledged = reports.filter((r) => r.ok).length;
  const body = {
    group: group.name,
    action: action.kind,
    acknowledged,
    majority: voters.majority,
    voters: reports,
  };
  if (acknowledged >= voters.majority) return c.json(body, 200);
  const perVoter = reports
    .map((r) => `voter ${r.voter}: ${r.ok ? 'ok' : `${r.code} ${r.reason}`}`)
    .join('; ');
  // Too many unreachable voters is an outage (503); voters that answered and refused is a conflict (409).
  const unreachable = reports.filter((r) => r.code === 'UNREACHABLE').length;
  const outage = unreachable > voters.count - voters.majority;
  const message = `${action.kind} acknowledged by ${acknowledged} of ${voters.count} voters (a majority is ${voters.majority}): ${perVoter}`;
  return c.json(
    { error: { code: outage ? 'no_majority' : 'refused', message }, voters: reports },
    outage ? 503 : 409,
  );
}

function refusal(kind: string, result: AdminResult & { ok: false }): ApiError {
  switch (result.code) {
    case 'INPROG':
      return new ApiError(409, 'failover_in_progress', `${kind} refused: ${result.reason}`);
    case 'NOGOODSLAVE':
      return new ApiError(409, 'no_good_replica', `${kind} refused: no suitable replica: ${result.reason}`);
    case 'REFUSED':
      return new ApiError(409, 'refused', `${kind} refused: ${result.reason}`);
  }
}
