// PUT/GET/DELETE /v1/groups/:group/settings against test-double voters: majorities, versions, refusals.
import { describe, expect, it } from 'vitest';
import { FakeNamespace } from './fake-voters.workers.js';
import { ADMIN_TOKEN, call, errorOf, fakeEnv } from './harness.workers.js';

function put(body: string, query = ''): RequestInit & { path: string } {
  return {
    path: `/v1/groups/mymaster/settings${query}`,
    method: 'PUT',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body,
  };
}

async function send(init: RequestInit & { path: string }, voters: FakeNamespace) {
  return call(init.path, init, fakeEnv(voters));
}

describe('runtime settings routes', () => {
  it('writes version+1 over the highest a majority holds, merged with its values', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 2).settingsOverride = {
      version: 4,
      writer: 'old',
      values: { parallelSyncs: 2 },
    };
    voters.voter('mymaster', 0).unreachable = true;
    const res = await send(put('{"quorum":3}'), voters);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      settings: { quorum: 3, parallelSyncs: 2 },
      settingsVersion: 5,
      acknowledged: 2,
      majority: 2,
      voters: [
        { voter: 0, ok: false, code: 'UNREACHABLE' },
        { voter: 1, ok: true },
        { voter: 2, ok: true },
      ],
    });
    expect(voters.voter('mymaster', 1).settingsOverride).toMatchObject({
      version: 5,
      values: { quorum: 3, parallelSyncs: 2 },
    });
  });

  it('503 when no majority can be read or written, and nothing is half-claimed as done', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 0).unreachable = true;
    voters.voter('mymaster', 1).unreachable = true;
    const res = await send(put('{"quorum":3}'), voters);
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe('no_majority');
    const read = await call('/v1/groups/mymaster/settings', {}, fakeEnv(voters));
    expect(read.status).toBe(503);
  });

  it('409 when a concurrent write of the same version, ordered after this one, won on a voter', async () => {
    const voters = new FakeNamespace();
    const fake = voters.voter('mymaster', 1);
    const write = fake.writeSettings.bind(fake);
    // Voter 1 sees another writer's v1 land between this request's read and its write.
    fake.writeSettings = async (address, override) => {
      await write(address, { version: override.version, writer: '~concurrent', values: { quorum: 1 } });
      return write(address, override);
    };
    const res = await send(put('{"quorum":3}'), voters);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('superseded');
  });

  it('the group list and status show the quorum in effect', async () => {
    const voters = new FakeNamespace();
    for (const i of [0, 1, 2]) {
      voters.voter('mymaster', i).settingsOverride = { version: 1, writer: 'w', values: { quorum: 3 } };
    }
    const list = (await (await call('/v1/groups', {}, fakeEnv(voters))).json()) as {
      groups: { group: string; quorum: number }[];
    };
    expect(list.groups.find((g) => g.group === 'mymaster')?.quorum).toBe(3);
    const status = await (await call('/v1/groups/mymaster', {}, fakeEnv(voters))).json();
    expect(status).toMatchObject({
      settings: { quorum: 3, downAfterMs: 1000 },
      settingsSources: { quorum: 'runtime override v1', downAfterMs: 'wrangler.toml' },
      settingsVersion: 1,
    });
  });

  it('masterRebootDownAfterMs: written, shown with its source by GET settings and the group status, 0 allowed', async () => {
    const voters = new FakeNamespace();
    const set = await send(put('{"masterRebootDownAfterMs":5000}'), voters);
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({
      settings: { masterRebootDownAfterMs: 5000, quorum: 2 },
      settingsSources: { masterRebootDownAfterMs: 'runtime override v1', quorum: 'wrangler.toml' },
      override: { masterRebootDownAfterMs: 5000 },
    });
    const read = await call('/v1/groups/mymaster/settings', {}, fakeEnv(voters));
    expect(await read.json()).toMatchObject({
      settings: { masterRebootDownAfterMs: 5000 },
      settingsSources: { masterRebootDownAfterMs: 'runtime override v1' },
    });
    const status = await (await call('/v1/groups/mymaster', {}, fakeEnv(voters))).json();
    expect(status).toMatchObject({
      settings: { masterRebootDownAfterMs: 5000 },
      settingsSources: { masterRebootDownAfterMs: 'runtime override v1' },
    });
    const off = await send(put('{"masterRebootDownAfterMs":0}'), voters);
    expect(await off.json()).toMatchObject({ settings: { masterRebootDownAfterMs: 0 }, settingsVersion: 2 });
    const back = await send(put('{"masterRebootDownAfterMs":null}'), voters);
    expect(await back.json()).toMatchObject({
      settings: { masterRebootDownAfterMs: 0 },
      settingsSources: { masterRebootDownAfterMs: 'wrangler.toml' },
      override: {},
    });
    expect((await send(put('{"masterRebootDownAfterMs":-1}'), voters)).status).toBe(400);
    expect((await send(put('{"masterRebootDownAfterMs":3600001}'), voters)).status).toBe(400);
    expect((await send(put('{"masterRebootDownAfterMs":1.5}'), voters)).status).toBe(400);
  });

  it('DELETE clears every override; the route refuses unknown fields and the read token', async () => {
    const voters = new FakeNamespace();
    for (const i of [0, 1, 2]) {
      voters.voter('mymaster', i).settingsOverride = { version: 2, writer: 'w', values: { quorum: 3 } };
    }
    const cleared = await call(
      '/v1/groups/mymaster/settings',
      { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } },
      fakeEnv(voters),
    );
    expect(await cleared.json()).toMatchObject({ settingsVersion: 3, override: {}, settings: { quorum: 2 } });
    expect((await send(put('{"fencing":false}'), voters)).status).toBe(400);
    expect((await send(put('{"downAfterMs":50}'), voters)).status).toBe(400);
    const unauthorised = await call(
      '/v1/groups/mymaster/settings',
      { method: 'PUT', body: '{}' },
      fakeEnv(voters),
    );
    expect(unauthorised.status).toBe(401);
  });
});
