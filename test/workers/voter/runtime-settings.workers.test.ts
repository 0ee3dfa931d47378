// Runtime settings overrides on real voters: the register write, restart, hibernation, read repair, agents.
import { abortAllDurableObjects, runInDurableObject, SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import type { SettingsOverride } from '../../../workers/core/types.js';
import { Voter } from '../../../workers/voter/voter.js';
import { FakeAgent, NODES, waitUntil } from './fake-agent.workers.js';
import { rpcValue } from './rpc-value.js';

const group = 'vt-settings';
const [N1] = NODES as [string];
const ADMIN = `Bearer ${String(env.ADMIN_TOKEN)}`;
const stubOf = (index: number) => env.VOTER.get(env.VOTER.idFromName(`${group}#${index}`));
const me = (index: number) => ({ group, index });

function api(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`http://edge.test/v1/groups/${group}${path}`, init);
}

function put(body: unknown, query = ''): Promise<Response> {
  return api(`/settings${query}`, {
    method: 'PUT',
    headers: { Authorization: ADMIN, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

interface SettingsBody {
  settings: Record<string, number>;
  settingsSources: Record<string, string>;
  settingsVersion: number;
  acknowledged?: number;
}

async function held(): Promise<Array<SettingsOverride | null>> {
  return Promise.all([0, 1, 2].map((i) => rpcValue(stubOf(i).readSettings(me(i)))));
}

afterEach(async () => {
  for (const i of [0, 1, 2]) await runInDurableObject(stubOf(i), (_, state) => state.storage.deleteAlarm());
});

describe('runtime settings through the API and the voters', () => {
  it('a write is adopted by every voter, shown with its source, and survives a restart', async () => {
    const res = await put({ quorum: 3, downAfterMs: 2000 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as SettingsBody;
    expect(body).toMatchObject({
      settings: { quorum: 3, downAfterMs: 2000, failoverTimeoutMs: 6000, parallelSyncs: 1 },
      settingsSources: {
        quorum: 'runtime override v1',
        downAfterMs: 'runtime override v1',
        failoverTimeoutMs: 'wrangler.toml',
        parallelSyncs: 'wrangler.toml',
      },
      settingsVersion: 1,
      acknowledged: 3,
    });
    expect((await held()).map((o) => o?.version)).toEqual([1, 1, 1]);

    await abortAllDurableObjects();
    const status = (await (await api('')).json()) as SettingsBody & { settings: { leaseMs: number } };
    expect(status.settings).toMatchObject({ quorum: 3, downAfterMs: 2000, leaseMs: 200 });
    expect(status.settingsSources.quorum).toBe('runtime override v1');
    expect(status.settingsVersion).toBe(1);
    // The voter's core runs on the effective settings after the restart, the lease unchanged.
    const settings = await runInDurableObject(stubOf(0), async (_, state) => {
      const instance = new Voter(state, env);
      await state.blockConcurrencyWhile(async () => {});
      return (await rpcValue(instance.status(me(0)))).durable.settingsOverride;
    });
    expect(settings).toMatchObject({ version: 1, values: { quorum: 3, downAfterMs: 2000 } });
  });

  it('null removes one override, versions only grow, and ?reset=1 clears all', async () => {
    const removed = (await (await put({ downAfterMs: null })).json()) as SettingsBody;
    expect(removed.settingsVersion).toBe(2);
    expect(removed.settings).toMatchObject({ quorum: 3, downAfterMs: 1000 });
    expect(removed.settingsSources.downAfterMs).toBe('wrangler.toml');
    // An older value written straight to a voter is refused: it keeps v2.
    const older = await rpcValue(
      stubOf(1).writeSettings(me(1), { version: 1, writer: 'zzz', values: { quorum: 1 } }),
    );
    expect(older?.version).toBe(2);
    const reset = (await (await put({}, '?reset=1')).json()) as SettingsBody;
    expect(reset.settingsVersion).toBe(3);
    expect(reset.settings.quorum).toBe(2);
    expect(Object.values(reset.settingsSources)).toEqual(Array(5).fill('wrangler.toml'));
  });

  it('refuses bad bodies and requests without the admin token', async () => {
    expect((await put({ quorum: 4 })).status).toBe(400); // more than the 3 declared nodes
    expect((await put({ quorum: 0 })).status).toBe(400);
    expect((await put({ leaseMs: 500 })).status).toBe(400); // deploy-time only
    expect((await put({ quorum: 2 }, '?reset=1')).status).toBe(400);
    const anonymous = await api('/settings', { method: 'PUT', body: '{"quorum":2}' });
    expect(anonymous.status).toBe(401);
  });

  it('a status read repairs a voter that is behind', async () => {
    const newest: SettingsOverride = { version: 10, writer: 'w', values: { parallelSyncs: 2 } };
    await rpcValue(stubOf(0).writeSettings(me(0), newest));
    // Voter 1 is taken down, so a majority read must include voter 0 and repair voter 2.
    await rpcValue(stubOf(1).outage(me(1), true));
    try {
      const status = (await (await api('')).json()) as SettingsBody;
      expect(status.settingsVersion).toBe(10);
      expect(status.settings.parallelSyncs).toBe(2);
      expect((await rpcValue(stubOf(2).readSettings(me(2))))?.version).toBe(10);
    } finally {
      await rpcValue(stubOf(1).outage(me(1), false));
    }
  });

  it('pushes the new settings to connected agents, records +set, and keeps them across hibernation', async () => {
    const agent = new FakeAgent(group, 's1', N1);
    await agent.connect(0);
    await waitUntil('the first settings push', () =>
      agent.messages(0).some((m) => m.kind === 'settings') ? true : undefined,
    );
    const res = await put({ quorum: 3, failoverTimeoutMs: 9000 });
    expect(res.status).toBe(200);
    const pushed = await waitUntil('a settings push with quorum 3', () =>
      agent.messages(0).find((m) => m.kind === 'settings' && m.settings.quorum === 3),
    );
    expect(pushed).toMatchObject({ settings: { quorum: 3, failoverTimeoutMs: 9000, leaseMs: 200 } });
    const events = await rpcValue(stubOf(0).events(me(0), 0, 1000));
    expect(events.events.filter((e) => e.name === '+set').map((e) => e.payload)).toEqual(
      expect.arrayContaining([
        'master vt-settings 10.0.0.1 6379 quorum 3',
        'master vt-settings 10.0.0.1 6379 failover-timeout 9000',
      ]),
    );
    // A wake-up from hibernation (sockets open, object rebuilt) runs on the override too.
    const woken = await runInDurableObject(stubOf(0), async (_, state) => {
      const instance = new Voter(state, env);
      await state.blockConcurrencyWhile(async () => {});
      return (await rpcValue(instance.status(me(0)))).durable.settingsOverride?.values;
    });
    expect(woken).toMatchObject({ quorum: 3, failoverTimeoutMs: 9000 });
    agent.close();
    await abortAllDurableObjects();
  });
});
