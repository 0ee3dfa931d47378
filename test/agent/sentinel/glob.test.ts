// Redis glob matching for PSUBSCRIBE patterns.
import { describe, expect, it } from 'vitest';
import { globMatch } from '../../../agent/sentinel/glob.js';

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

  it('stays fast on patterns that backtrack', () => {
    const text = 'a'.repeat(5000);
    const started = Date.now();
    expect(globMatch(`${'*a'.repeat(50)}b`, text)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
