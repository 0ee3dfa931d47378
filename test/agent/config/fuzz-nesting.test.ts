// The nesting bound of the agent file (found by the fuzz suite, seed 60 of agent-config/random-yaml):
// deep YAML is refused before yaml recurses through it, and brackets in values do not count.
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../agent/config/load.js';
import { MAX_NESTING, tooDeep } from '../../../agent/config/nesting.js';
import { GOOD_AGENT_FILE } from './agent-file-text.js';

const indented = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');

describe('tooDeep', () => {
  it.each([
    ['the valid example', GOOD_AGENT_FILE],
    ['brackets in quoted values', `a: "${'['.repeat(200)}"\nb: '${'{'.repeat(200)}'\n`],
    ['brackets in a comment', `a: 1 # ${'['.repeat(200)}\n`],
    ['brackets and dashes in a block scalar', `a: |\n  ${'['.repeat(200)}\n  ${'- '.repeat(200)}\nb: 2\n`],
    ['brackets inside a plain scalar', `a: x${'['.repeat(200)}\n`],
    [`${MAX_NESTING} levels of indentation`, indented(MAX_NESTING)],
    ['a flow value as deep as allowed', `a: ${'['.repeat(MAX_NESTING - 1)}${']'.repeat(MAX_NESTING - 1)}\n`],
  ])('%s: not too deep', (_name, text) => {
    expect(tooDeep(text)).toBeNull();
  });

  it.each([
    ['open flow sequences', `${'['.repeat(1000)}\n`, 1],
    ['closed flow sequences in a value', `a: ${'['.repeat(100)}${']'.repeat(100)}\n`, 1],
    ['flow mappings over several lines', `a: ${'{"k":\n'.repeat(100)}1${'}'.repeat(100)}\n`, MAX_NESTING],
    ['compact sequences on one line', `${'- '.repeat(1000)}x\n`, 1],
    ['indentation', indented(MAX_NESTING + 1), MAX_NESTING + 1],
  ])('%s: too deep, from line %#', (_name, text, line) => {
    const deep = tooDeep(text);
    expect(deep?.depth).toBe(MAX_NESTING + 1);
    expect(text.slice(0, deep?.offset).split('\n').length).toBe(line);
  });
});

describe('the agent file loader and deep YAML', () => {
  it('refuses a deep document with the nesting and its place, not a caught stack overflow', () => {
    const result = parseAgentConfig(`${'['.repeat(1000)}\n`, 'agent.yaml', {});
    expect(result).toEqual({
      ok: false,
      errors: [
        `agent.yaml:1:${MAX_NESTING}: YAML: nested deeper than ${MAX_NESTING} levels (an agent file needs fewer than 10)`,
      ],
    });
  });

  it('survives deep documents one after another (V8 aborted the process on the second)', () => {
    for (const text of [
      `${'- '.repeat(1000)}x\n`,
      `${'['.repeat(1000)}\n`,
      `a: ${'['.repeat(3000)}${']'.repeat(3000)}\n`,
    ]) {
      const result = parseAgentConfig(text, 'agent.yaml', {});
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.errors.join()).toMatch(/nested deeper than/);
    }
  });
});
