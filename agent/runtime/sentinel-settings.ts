// The Sentinel surface's view of runtime group settings: `+set` when the settings a group shows change, and waiting for a settings version to arrive.
import { SENTINEL_SET_OPTIONS } from '../../workers/config/sentinel-set.js';
import { instancePayload, type NodeId } from '../../workers/protocol/index.js';
import type { SentinelEvent } from '../sentinel/source.js';
import type { Clock } from './clock.js';
import type { Timers } from './timers.js';

/** The settings SENTINEL SET changes, as this agent applies them (`+set` when one changes). */
export interface ShownSettings {
  readonly quorum: number;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
  readonly parallelSyncs: number;
  readonly masterRebootDownAfterMs: number;
}

type Setting = keyof ShownSettings;

/** Sentinel's option name of each setting, as `+set` names it. */
const OPTION_OF = Object.fromEntries(
  Object.entries(SENTINEL_SET_OPTIONS).map(([option, setting]) => [setting, option]),
) as Record<Setting, string>;

const SETTINGS: readonly Setting[] = [
  'quorum',
  'downAfterMs',
  'failoverTimeoutMs',
  'parallelSyncs',
  'masterRebootDownAfterMs',
];

/** One group as the check reads it: null settings while the voters have not announced any yet. */
export interface GroupSettingsView {
  readonly name: string;
  readonly master: NodeId | null;
  readonly settings: ShownSettings | null;
}

/**
 * Sentinel publishes `+set master <name> <ip> <port> <option> <value>` for every option SENTINEL
 * SET changed. Here the settings are the voters', so every agent publishes it when the settings
 * it shows change, whichever agent (or the CLI, or the HTTP API) changed them: one event per
 * changed setting, with Sentinel's option name and the value now in effect. The first settings a
 * group shows are its baseline and say nothing.
 */
export class SettingsEvents {
  private readonly shown = new Map<string, ShownSettings>();

  check(groups: readonly GroupSettingsView[]): SentinelEvent[] {
    const events: SentinelEvent[] = [];
    for (const { name, master, settings } of groups) {
      if (settings === null) continue;
      const before = this.shown.get(name);
      this.shown.set(name, settings);
      if (before === undefined || master === null) continue;
      for (const setting of SETTINGS) {
        if (before[setting] === settings[setting]) continue;
        const payload = `${instancePayload('master', name, master)} ${OPTION_OF[setting]} ${settings[setting]}`;
        events.push({ name: '+set', payload });
      }
    }
    return events;
  }
}

/** How often a pending SENTINEL SET looks whether its settings arrived. */
const POLL_MS = 10;

/**
 * Resolves true once `reached()` holds, or false after `timeoutMs`: a SENTINEL SET reply waits
 * for the voters' push of the settings it wrote, so a SENTINEL MASTER right after it shows them.
 */
export function waitUntil(
  reached: () => boolean,
  timeoutMs: number,
  clock: Clock,
  timers: Timers,
): Promise<boolean> {
  if (reached()) return Promise.resolve(true);
  const deadlineMs = clock.nowMs() + timeoutMs;
  return new Promise<boolean>((resolve) => {
    const cancel = timers.every(POLL_MS, () => {
      const ok = reached();
      if (!ok && clock.nowMs() < deadlineMs) return;
      cancel();
      resolve(ok);
    });
  });
}
