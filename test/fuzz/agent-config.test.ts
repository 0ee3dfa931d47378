// Fuzzing the agent file loader (agent/config/load.ts parseAgentConfig): random YAML, damaged copies
// of the valid example and structured changes of its fields each give a config or errors naming the
// file, never a throw, within a time bound per document.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseAgentConfig } from '../../agent/config/load.js';
import { GOOD_AGENT_FILE } from '../agent/config/agent-file-text.js';
import type { Rng } from '../sim/rng.js';
import {
  asciiText,
  EDGE_NUMBERS,
  type Json,
  mutateJson,
  mutateText,
  nastyText,
  randomJson,
} from './generators.js';
import { fuzzSettings, runFuzz } from './harness.js';

const FILE = 'test/fuzz/agent-config.test.ts';
const SOURCE = 'fuzz-agent.yaml';
const settings = fuzzSettings(process.env);
/** A document of at most ~100 KiB: yaml and zod take milliseconds; generous for a loaded CI machine. */
const PARSE_BOUND_MS = 3000;

/** Files a document may name: a good secret, an empty one, garbage PEM, a missing path. */
const dir = mkdtempSync(join(tmpdir(), 'fuzz-agent-config-'));
const PATHS = (() => {
  const good = join(dir, 'secret');
  writeFileSync(good, 'a-secret-of-more-than-32-characters-0123456789\n');
  const empty = join(dir, 'empty');
  writeFileSync(empty, '');
  const pem = join(dir, 'garbage.pem');
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
  const acl = join(dir, 'users.acl');
  writeFileSync(acl, 'user alice on >alice-password-0123 +@all\nuser bob off\n');
  return [good, empty, pem, acl, join(dir, 'missing'), dir, '/dev/null', 'relative/path'];
})();

/** YAML that is not plain data: anchors, aliases, tags, merges, documents, directives, odd scalars. */
const YAML_PIECES = [
  '&a ',
  '*a',
  '<<: *a\n',
  '!!binary ',
  '!!timestamp 2001-12-14t21:59:43.10-05:00',
  '!!set\n  ? a\n',
  '!!omap\n  - a: 1\n',
  '!!str ',
  '!!int ',
  '!!float .nan',
  '!custom ',
  '? [a, b]\n: c\n',
  '? {a: 1}\n: d\n',
  '---\n',
  '...\n',
  '%YAML 1.1\n---\n',
  '%TAG ! tag:example.com,2000:\n---\n',
  '|\n  block\n',
  '>-\n  folded\n',
  '"\\u0000\\x7f\\U0001F600"',
  "'it''s'",
  '# comment\n',
  '\t',
  '\ufeff',
  '~',
  'null',
  'yes',
  'on',
  '0o17',
  '0x1F',
  '1_000',
  '.inf',
  '-.inf',
  '2001-12-14',
  '[',
  '{',
  '{a: [1, {b: ',
  ': ',
  '- ',
  '-\n  - - x\n',
];

const ACL_RULES = [
  'on',
  'off',
  'nopass',
  'resetpass',
  'reset',
  '>secret-password',
  '<secret-password',
  '#0123',
  `#${'a'.repeat(64)}`,
  `!${'b'.repeat(64)}`,
  '+@all',
  '-@all',
  '+@admin',
  '-@dangerous',
  '+@nosuchcategory',
  '+ping',
  '-sentinel|failover',
  '+sentinel|',
  '+|',
  '+client|kill|x',
  '+@',
  '-',
  '+',
  '~*',
  '%R~*',
  '%W~x',
  '%~',
  '&*',
  'allkeys',
  'allchannels',
  'resetkeys',
  'resetchannels',
  '(+@all ~*)',
  '(',
  'skip-sanitize-payload',
  'sanitize-payload',
];

/** A line of an ACL file: `user <name> <rules...>`, sometimes broken. */
function aclLine(rng: Rng): string {
  const rules = Array.from({ length: rng.int(0, 8) }, () =>
    rng.chance(0.85) ? rng.pick(ACL_RULES) : nastyText(rng, 3),
  );
  const name = rng.pick(['alice', 'default', 'bob', '', 'a b', nastyText(rng, 2), '@', '*']);
  const head = rng.weighted([
    [8, 'user'],
    [1, 'USER'],
    [1, 'usr'],
  ] as const);
  return [head, name, ...rules].join(rng.chance(0.9) ? ' ' : '  ').slice(0, rng.chance(0.05) ? 5000 : 4096);
}

/** The valid example with one field set to something plausible, edgy or wrong. */
function structured(rng: Rng): string {
  const doc = parse(GOOD_AGENT_FILE) as { [key: string]: Json };
  const path = rng.pick([
    ['sentinel', 'users'],
    ['sentinel', 'password'],
    ['sentinel', 'aclFile'],
    ['sentinel', 'tls'],
    ['sentinel', 'tlsPort'],
    ['sentinel', 'port'],
    ['sentinel', 'announce'],
    ['coordinator', 'url'],
    ['coordinator', 'tokenFile'],
    ['coordinator', 'adminTokenFile'],
    ['failsafe', 'secretFile'],
    ['failsafe', 'secret'],
    ['failsafe', 'port'],
    ['voters'],
    ['peers'],
    ['agentId'],
    ['groups'],
    ['groups', 0, 'nodes'],
    ['groups', 0, 'local', 'tls'],
    ['groups', 0, 'local', 'passwordFile'],
    ['groups', 0, 'tokenFile'],
    ['groups', 0, 'probeIntervalMs'],
  ] as const);
  const value: Json = rng.weighted<() => Json>([
    [3, () => Array.from({ length: rng.int(0, 6) }, () => aclLine(rng))],
    [2, () => rng.pick(PATHS)],
    [
      2,
      () => ({
        cert: rng.pick(PATHS),
        key: rng.pick(PATHS),
        ...(rng.chance(0.5) ? { ca: rng.pick(PATHS) } : {}),
        ...(rng.chance(0.5) ? { authClients: rng.pick(['yes', 'no', 'optional', 'maybe']) } : {}),
      }),
    ],
    [2, () => Number(rng.pick(EDGE_NUMBERS.filter((n) => /^-?\d+$/.test(n))))],
    [
      1,
      () =>
        rng.pick(['db1.example.com:26379', '[::1]:1', 'host:0', 'host:65536', ':', 'http://x', 'wss://e']),
    ],
    [2, () => randomJson(rng, 3)],
    [1, () => mutateJson(rng, doc[path[0]] ?? null)],
    [1, () => Array.from({ length: rng.int(0, 300) }, (_, i) => `db${i}.example.com:${6379 + (i % 3)}`)],
  ])();
  setIn(doc, path, value);
  if (rng.chance(0.3)) setIn(doc, ['sentinel', 'tlsPort'], rng.int(1, 65535));
  return stringify(doc);
}

function setIn(doc: { [key: string]: Json }, path: readonly (string | number)[], value: Json): void {
  let node: Json = doc;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    const next: Json | undefined = (node as Record<string, Json>)[key];
    if (next === undefined || next === null || typeof next !== 'object') {
      (node as Record<string, Json>)[key] = {};
    }
    node = (node as Record<string, Json>)[key] as Json;
  }
  const last = path.at(-1);
  if (last !== undefined && node !== null && typeof node === 'object')
    (node as Record<string, Json>)[last] = value;
}

/** Random YAML: a random value dumped, YAML syntax pieces spliced in, or raw text. */
function randomYaml(rng: Rng): string {
  return rng.weighted<() => string>([
    [3, () => stringify(randomJson(rng, 4))],
    [
      3,
      () =>
        mutateText(rng, GOOD_AGENT_FILE, 0) +
        Array.from({ length: rng.int(1, 6) }, () => rng.pick(YAML_PIECES)).join(''),
    ],
    [
      3,
      () => {
        const lines = GOOD_AGENT_FILE.split('\n');
        const at = rng.int(0, lines.length);
        const piece = Array.from({ length: rng.int(1, 3) }, () => rng.pick(YAML_PIECES)).join('');
        return [
          ...lines.slice(0, at),
          `${' '.repeat(rng.pick([0, 2, 4, 6]))}${piece}`,
          ...lines.slice(at),
        ].join('\n');
      },
    ],
    [1, () => asciiText(rng, 300)],
    [1, () => nastyText(rng, 60)],
    [1, () => `${GOOD_AGENT_FILE}x: &x [${Array.from({ length: 20 }, () => '*x').join(', ')}]\n`],
    [1, () => `${'- '.repeat(rng.int(1, 1000))}x\n`],
    [1, () => `${'['.repeat(rng.int(1, 1000))}\n`],
    [
      1,
      () =>
        `${GOOD_AGENT_FILE}${Array.from({ length: rng.int(100, 3000) }, (_, i) => `k${i}: ${i}`).join('\n')}\n`,
    ],
  ])();
}

/** How the documents ended, per target: the suite shows it reaches both outcomes. */
type Outcomes = { ok: number; errors: number };

function check(text: string, outcomes: Outcomes): void {
  const started = performance.now();
  const result = parseAgentConfig(text, SOURCE, {});
  const tookMs = performance.now() - started;
  expect(tookMs, `parsed ${text.length} chars in ${tookMs.toFixed(0)} ms`).toBeLessThan(PARSE_BOUND_MS);
  if (result.ok) {
    outcomes.ok++;
    expect(result.config.source).toBe(SOURCE);
    expect(result.config.groups.length).toBeGreaterThan(0);
    return;
  }
  outcomes.errors++;
  expect(result.errors.length).toBeGreaterThan(0);
  for (const error of result.errors) {
    expect(typeof error).toBe('string');
    expect(error.startsWith(SOURCE), `an error that does not name the file: ${error}`).toBe(true);
    // A stack overflow caught by chance is no answer: the next deep document may kill the process.
    expect(error).not.toMatch(/call stack/i);
  }
}

describe('fuzz: the agent file loader', () => {
  it('agent-config/mutated: damaged copies of the valid example: a config or errors naming the file, in bounded time', async () => {
    const outcomes = { ok: 0, errors: 0 };
    const target = { name: 'agent-config/mutated', file: FILE, runs: 700, caseTimeoutMs: PARSE_BOUND_MS };
    await runFuzz(target, settings, (c) => {
      const text = mutateText(c.rng, GOOD_AGENT_FILE, c.rng.int(1, 6));
      c.note('document', text);
      check(text, outcomes);
    });
    console.log(`${target.name} outcomes: ${JSON.stringify(outcomes)}`);
  });

  it('agent-config/random-yaml: random YAML (anchors, tags, merges, deep nesting): a config or errors naming the file', async () => {
    const outcomes = { ok: 0, errors: 0 };
    const target = {
      name: 'agent-config/random-yaml',
      file: FILE,
      runs: 500,
      caseTimeoutMs: PARSE_BOUND_MS,
      // 60: `[` 800 deep overflowed yaml's stack (see agent/config/nesting.ts).
      regressions: [60],
    };
    await runFuzz(target, settings, (c) => {
      const text = randomYaml(c.rng);
      c.note('document', text);
      check(text, outcomes);
    });
    console.log(`${target.name} outcomes: ${JSON.stringify(outcomes)}`);
  });

  it('agent-config/fields: fields of the valid example changed (ACL users, TLS and secret files, ports, nodes): the same', async () => {
    const outcomes = { ok: 0, errors: 0 };
    const target = { name: 'agent-config/fields', file: FILE, runs: 500, caseTimeoutMs: PARSE_BOUND_MS };
    await runFuzz(target, settings, (c) => {
      const text = structured(c.rng);
      c.note('document', text);
      check(text, outcomes);
    });
    console.log(`${target.name} outcomes: ${JSON.stringify(outcomes)}`);
  });
});
