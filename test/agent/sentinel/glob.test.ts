// Redis glob matching for PSUBSCRIBE patterns.
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch, matchCompiled } from '../../../agent/sentinel/glob.js';

describe('globMatch', () => {
  it.each([
    ['*', '+switch-master', true],
    ['*', '', true],
    ['+s*', '+sdown', true],
    ['+s*', '-sdown', false],
    ['?sdown', '-sdown', true],
    ['?sdown', 'sdown', false],
    ['[+-]sdown', '-sdown', true],
    ['[+-]sdown', 'xsdown', false],
    ['[^+]sdown', '-sdown', true],
    ['[^+]sdown', '+sdown', false],
    ['+[a-c]*', '+by', true],
    ['+[c-a]*', '+by', true],
    ['+[a-c]*', '+dy', false],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['*master', '+switch-master', true],
    ['*master', '+switch-masters', false],
    ['*-*-*', '+failover-state-select-slave', true],
    ['+failover-*', '+failover-end', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['', '', true],
    ['', 'x', false],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it.each([
    ['[a-cx-z]', 'b', true],
    ['[a-cx-z]', 'y', true],
    ['[a-cx-z]', 'm', false],
    ['[a-cb-e]', 'd', true],
    ['[^a-cx-z]', 'm', true],
    ['[\\]]', ']', true],
    ['[abc', 'b', true],
  ])('classes: %s matches %s: %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it("a huge bracket class is read once, not at every position (the hostile-input run's pattern)", () => {
    // `*[bbb…]z`: each event took about 60 ms per pattern when the class was rescanned per character.
    const glob = compileGlob(`*[${'b'.repeat(1_000_000)}]z`);
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) matchCompiled(glob, '+failover-state-wait-promotion');
    expect(matchCompiled(glob, 'xxbz')).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('a pattern needing more characters than the event name is refused before any work', () => {
    expect(compileGlob(`${'a'.repeat(500)}*`).minLength).toBe(500);
    expect(globMatch(`${'a'.repeat(500)}*`, '+sdown')).toBe(false);
  });

  it('stays fast on patterns that backtrack', () => {
    const text = 'a'.repeat(5000);
    const started = Date.now();
    expect(globMatch(`${'*a'.repeat(50)}b`, text)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
