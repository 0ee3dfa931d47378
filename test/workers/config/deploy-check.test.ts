// checkWorkerConfig on the wrangler.toml fixtures (parsed by wrangler's own reader) and on the real file.

import { describe, expect, it } from 'vitest';
import { experimental_readRawConfig } from 'wrangler';
import { checkWorkerConfig } from '../../../workers/config/deploy-check.js';

function check(path: string) {
  return checkWorkerConfig(experimental_readRawConfig({ config: path }).rawConfig);
}

describe('checkWorkerConfig', () => {
  it('accepts the repository wrangler.toml and the good fixture', () => {
    expect(check('wrangler.toml')).toEqual({ problems: [], groups: ['mymaster'] });
    expect(check('test/fixtures/wrangler/good.toml')).toEqual({ problems: [], groups: ['dev', 'mymaster'] });
  });

  it.each([
    ['bad-quorum', ['vars.GROUPS.mymaster.quorum: Too small: expected number to be >=1']],
    ['bad-hints', ['vars.GROUPS.mymaster.locationHints: give one location hint per voter, or none']],
    ['bad-master', ['vars.GROUPS.mymaster.master: expected "host:port"']],
    ['typo-key', ['vars.GROUPS.mymaster.downAfter: unknown key']],
    ['no-groups', ['vars.GROUPS: not set (declare groups under [vars.GROUPS.<name>] in wrangler.toml)']],
    [
      'no-binding',
      [
        'durable_objects.bindings: no binding named "VOTER" (class_name = "Voter")',
        'migrations[0].new_classes: "Voter" needs SQLite storage; use new_sqlite_classes',
        'migrations: no migration has new_sqlite_classes = ["Voter"]',
      ],
    ],
  ])('reports %s', (fixture, problems) => {
    expect(check(`test/fixtures/wrangler/${fixture}.toml`).problems).toEqual(problems);
  });
});
