// Validation of [vars.GROUPS]: defaults, derived settings, and errors that name the bad field.
import { describe, expect, it } from 'vitest';
import { loadGroups, parseGroups } from '../../../workers/config/load.js';

const good = { mymaster: { master: '127.0.0.1:7001', quorum: 2, locationHints: ['weur', 'eeur', 'enam'] } };

describe('parseGroups', () => {
  it('applies defaults and derives the core settings', () => {
    const loaded = parseGroups(good);
    if (!loaded.ok) throw new Error(loaded.error);
    const entry = loaded.groups.get('mymaster');
    expect(entry?.config).toMatchObject({
      voters: 3,
      downAfterMs: 1000,
      failoverTimeoutMs: 6000,
      parallelSyncs: 1,
      masterRebootDownAfterMs: 0,
      fencing: true,
      webhooks: [],
    });
    expect(entry?.settings).toMatchObject({
      name: 'mymaster',
      initialMaster: '127.0.0.1:7001',
      leaseMs: 1000,
      restartGraceMs: 2000,
      masterRebootDownAfterMs: 0,
    });
  });

  it('takes masterRebootDownAfterMs (Sentinel master-reboot-down-after-period) into the core settings', () => {
    const loaded = parseGroups({ mymaster: { ...good.mymaster, masterRebootDownAfterMs: 5000 } });
    if (!loaded.ok) throw new Error(loaded.error);
    expect(loaded.groups.get('mymaster')?.settings.masterRebootDownAfterMs).toBe(5000);
  });

  it('accepts a JSON string, as .dev.vars gives it', () => {
    expect(parseGroups(JSON.stringify(good)).ok).toBe(true);
  });

  it.each([
    [undefined, 'GROUPS: not set'],
    ['{not json', 'GROUPS: is a string but not valid JSON'],
    [{}, 'GROUPS: declare at least one group'],
    [{ mymaster: { master: '127.0.0.1:7001', quorum: 0 } }, 'GROUPS.mymaster.quorum: '],
    [{ mymaster: { master: '127.0.0.1', quorum: 1 } }, 'GROUPS.mymaster.master: expected "host:port"'],
    [{ mymaster: { master: 'h:1', quorum: 1, voters: 2 } }, 'GROUPS.mymaster.voters: '],
    [
      { mymaster: { master: 'h:1', quorum: 1, locationHints: ['weur'] } },
      'GROUPS.mymaster.locationHints: give one location hint per voter',
    ],
    [
      { mymaster: { master: 'h:1', quorum: 1, locationHints: ['mars', 'weur', 'eeur'] } },
      'GROUPS.mymaster.locationHints.0: ',
    ],
    [{ mymaster: { master: 'h:1', quorum: 1, downAfter: 5 } }, 'GROUPS.mymaster.downAfter: unknown key'],
    [
      { mymaster: { master: 'h:1', quorum: 1, masterRebootDownAfterMs: -1 } },
      'GROUPS.mymaster.masterRebootDownAfterMs: ',
    ],
    [
      { mymaster: { master: 'h:1', quorum: 1, masterRebootDownAfterMs: 3_600_001 } },
      'GROUPS.mymaster.masterRebootDownAfterMs: ',
    ],
    [{ 'my group': { master: 'h:1', quorum: 1 } }, 'GROUPS.my group: '],
    [
      { g: { master: 'h:1', quorum: 1, webhooks: [{ url: 'ftp://x', secretName: 'S' }] } },
      'GROUPS.g.webhooks.0.url: ',
    ],
    [
      { g: { master: 'h:1', quorum: 1, upstash: { url: 'https://u', tokenSecretName: 'lower' } } },
      'GROUPS.g.upstash.tokenSecretName: ',
    ],
  ])('refuses %j naming the field', (raw, message) => {
    const loaded = parseGroups(raw);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.error).toContain(message);
  });
});

describe('loadGroups', () => {
  it('validates each GROUPS value once per isolate', () => {
    const env = { GROUPS: structuredClone(good) };
    const first = loadGroups(env);
    expect(loadGroups(env)).toBe(first);
    expect(loadGroups({ GROUPS: structuredClone(good) })).not.toBe(first);
    const text = JSON.stringify(good);
    expect(loadGroups({ GROUPS: text })).toBe(loadGroups({ GROUPS: text }));
  });
});
