// The RPC handlers behind contract.ts: arguments validated at the boundary, then a core step or a read.

import { SettingsOverrideSchema } from '../config/settings-schema.js';
import { commitMessage } from '../core/messages.js';
import type { SettingsOverride } from '../core/types.js';
import { ConfigSchema, describeIssues, PeerMessageSchema, VoterIndexSchema } from '../protocol/index.js';
import { AdminActionSchema } from './admin.js';
import type { Booted } from './booted.js';
import { type AdminResult, type EventsPage, type Published, voterError } from './contract.js';
import { publishedOf, type StepRunner } from './step-runner.js';
import type { VoterStore } from './store.js';

export const MAX_EVENTS_PAGE = 1_000;

/** Read repair from a reader: fed to the core as a `commit` from voter -1 (not a voter). */
export function learn(runner: StepRunner, me: Booted, config: unknown): Published {
  const parsed = ConfigSchema.safeParse(config);
  if (!parsed.success) throw voterError('bad_request', `config: ${describeIssues(parsed.error)}`);
  runner.run(me, {
    kind: 'peer-message',
    from: -1,
    message: commitMessage(me.entry.name, parsed.data),
  });
  return publishedOf(me);
}

export function waitForEpoch(
  runner: StepRunner,
  me: Booted,
  afterEpoch: number,
  timeoutMs: number,
): Promise<Published> {
  if (!Number.isSafeInteger(afterEpoch) || !Number.isFinite(timeoutMs)) {
    throw voterError('bad_request', 'afterEpoch must be an integer and timeoutMs a number');
  }
  return runner.epochWaiters.wait(
    (published) => published.config.epoch > afterEpoch,
    timeoutMs,
    () => publishedOf(me),
  );
}

export function waitForEvents(
  runner: StepRunner,
  store: VoterStore,
  after: number,
  timeoutMs: number,
): Promise<number> {
  if (!Number.isSafeInteger(after) || after < 0 || !Number.isFinite(timeoutMs)) {
    throw voterError('bad_request', 'after must be an integer >= 0 and timeoutMs a number');
  }
  return runner.eventWaiters.wait(
    (lastEventId) => lastEventId > after,
    timeoutMs,
    () => store.lastEventId(),
  );
}

export function events(store: VoterStore, after: number, limit: number): EventsPage {
  if (!Number.isSafeInteger(after) || after < 0)
    throw voterError('bad_request', 'after must be an integer >= 0');
  const bounded = Math.max(1, Math.min(MAX_EVENTS_PAGE, Number.isInteger(limit) ? limit : MAX_EVENTS_PAGE));
  const page = store.events(after, bounded);
  return { events: page, cursor: page[page.length - 1]?.id ?? after };
}

export function admin(runner: StepRunner, me: Booted, action: unknown): AdminResult {
  const parsed = AdminActionSchema.safeParse(action);
  if (!parsed.success) throw voterError('bad_request', `action: ${describeIssues(parsed.error)}`);
  const { answer } = runner.run(me, { kind: 'admin', action: parsed.data });
  if (answer === null) throw new Error(`voter ${me.name}: the core gave no answer to an admin input`);
  return answer;
}

export function peer(runner: StepRunner, me: Booted, from: unknown, message: unknown): void {
  const sender = VoterIndexSchema.safeParse(from);
  const parsed = PeerMessageSchema.safeParse(message);
  if (!sender.success || !parsed.success) {
    throw voterError(
      'bad_request',
      parsed.success ? 'from: not a voter index' : describeIssues(parsed.error),
    );
  }
  if (parsed.data.group !== me.entry.name) {
    console.warn(`voter ${me.name}: ignored ${parsed.data.kind} for group ${parsed.data.group}`);
    return;
  }
  runner.run(me, { kind: 'peer-message', from: sender.data, message: parsed.data });
}

export function writeSettings(runner: StepRunner, me: Booted, override: unknown): SettingsOverride | null {
  const parsed = SettingsOverrideSchema.safeParse(override);
  if (!parsed.success) throw voterError('bad_request', `override: ${describeIssues(parsed.error)}`);
  const quorum = parsed.data.values.quorum;
  const nodes = me.entry.config.nodes;
  if (quorum !== undefined && nodes !== undefined && quorum > nodes.length) {
    throw voterError('bad_request', `quorum ${quorum} is larger than the ${nodes.length} node(s) in nodes`);
  }
  runner.run(me, { kind: 'settings-override', override: parsed.data });
  return me.state.durable.settingsOverride;
}
