// The RPC handlers behind contract.ts: arguments validated at the boundary, then a core step or a read.
// Refusals are answered as values (`RpcResult`), never thrown: see contract.ts for why.

import { SettingsOverrideSchema } from '../config/settings-schema.js';
import { commitMessage } from '../core/messages.js';
import type { SettingsOverride } from '../core/types.js';
import { ConfigSchema, describeIssues, PeerMessageSchema, VoterIndexSchema } from '../protocol/index.js';
import { AdminActionSchema } from './admin.js';
import type { Booted } from './booted.js';
import {
  type AdminResult,
  type EventsPage,
  type Published,
  type RpcResult,
  rpcFailure,
  rpcOk,
} from './contract.js';
import { publishedOf, type StepRunner } from './step-runner.js';
import type { VoterStore } from './store.js';

export const MAX_EVENTS_PAGE = 1_000;

/** Read repair from a reader: fed to the core as a `commit` from voter -1 (not a voter). */
export function learn(runner: StepRunner, me: Booted, config: unknown): RpcResult<Published> {
  const parsed = ConfigSchema.safeParse(config);
  if (!parsed.success) return rpcFailure('bad_request', `config: ${describeIssues(parsed.error)}`);
  runner.run(me, {
    kind: 'peer-message',
    from: -1,
    message: commitMessage(me.entry.name, parsed.data),
  });
  return rpcOk(publishedOf(me));
}

export function waitForEpoch(
  runner: StepRunner,
  me: Booted,
  afterEpoch: number,
  timeoutMs: number,
): Promise<RpcResult<Published>> {
  if (!Number.isSafeInteger(afterEpoch) || !Number.isFinite(timeoutMs)) {
    return Promise.resolve(rpcFailure('bad_request', 'afterEpoch must be an integer and timeoutMs a number'));
  }
  return runner.epochWaiters
    .wait(
      (published) => published.config.epoch > afterEpoch,
      timeoutMs,
      () => publishedOf(me),
    )
    .then(rpcOk);
}

export function waitForEvents(
  runner: StepRunner,
  store: VoterStore,
  after: number,
  timeoutMs: number,
): Promise<RpcResult<number>> {
  if (!Number.isSafeInteger(after) || after < 0 || !Number.isFinite(timeoutMs)) {
    return Promise.resolve(rpcFailure('bad_request', 'after must be an integer >= 0 and timeoutMs a number'));
  }
  return runner.eventWaiters
    .wait(
      (lastEventId) => lastEventId > after,
      timeoutMs,
      () => store.lastEventId(),
    )
    .then(rpcOk);
}

export function events(store: VoterStore, after: number, limit: number): RpcResult<EventsPage> {
  if (!Number.isSafeInteger(after) || after < 0)
    return rpcFailure('bad_request', 'after must be an integer >= 0');
  const bounded = Math.max(1, Math.min(MAX_EVENTS_PAGE, Number.isInteger(limit) ? limit : MAX_EVENTS_PAGE));
  const page = store.events(after, bounded);
  return rpcOk({ events: page, cursor: page[page.length - 1]?.id ?? after });
}

export function admin(runner: StepRunner, me: Booted, action: unknown): RpcResult<AdminResult> {
  const parsed = AdminActionSchema.safeParse(action);
  if (!parsed.success) return rpcFailure('bad_request', `action: ${describeIssues(parsed.error)}`);
  const { answer } = runner.run(me, { kind: 'admin', action: parsed.data });
  // A bug in the core, not a refusal (those are the answer's own `ok: false`): it stays an exception.
  if (answer === null) throw new Error(`voter ${me.name}: the core gave no answer to an admin input`);
  return rpcOk(answer);
}

export function peer(runner: StepRunner, me: Booted, from: unknown, message: unknown): RpcResult<null> {
  const sender = VoterIndexSchema.safeParse(from);
  const parsed = PeerMessageSchema.safeParse(message);
  if (!sender.success || !parsed.success) {
    return rpcFailure(
      'bad_request',
      parsed.success ? 'from: not a voter index' : describeIssues(parsed.error),
    );
  }
  if (parsed.data.group !== me.entry.name) {
    console.warn(`voter ${me.name}: ignored ${parsed.data.kind} for group ${parsed.data.group}`);
    return rpcOk(null);
  }
  runner.run(me, { kind: 'peer-message', from: sender.data, message: parsed.data });
  return rpcOk(null);
}

export function writeSettings(
  runner: StepRunner,
  me: Booted,
  override: unknown,
): RpcResult<SettingsOverride | null> {
  const parsed = SettingsOverrideSchema.safeParse(override);
  if (!parsed.success) return rpcFailure('bad_request', `override: ${describeIssues(parsed.error)}`);
  const quorum = parsed.data.values.quorum;
  const nodes = me.entry.config.nodes;
  if (quorum !== undefined && nodes !== undefined && quorum > nodes.length) {
    return rpcFailure('bad_request', `quorum ${quorum} is larger than the ${nodes.length} node(s) in nodes`);
  }
  runner.run(me, { kind: 'settings-override', override: parsed.data });
  return rpcOk(me.state.durable.settingsOverride);
}
