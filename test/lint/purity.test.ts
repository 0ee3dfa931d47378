// The pure core (workers/core, workers/protocol, agent/core) imports no I/O module and reads no clock, timer or randomness.
//
// biome's noRestrictedImports/noRestrictedGlobals say the same for the editor; this test is the
// second, independent check (it also catches `Date.now`, `new Date(` and `Math.random`, which are
// not globals biome can deny, and bare node built-ins such as 'fs').
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PURE_DIRS = ['workers/core', 'workers/protocol', 'agent/core'];

const FORBIDDEN_PACKAGES = new Set(['hono', 'ioredis', 'ws', 'redis-parser', ...builtinModules]);

/** Forbidden uses, matched on code with comments and string contents blanked out. */
const FORBIDDEN_USES: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /(?<![\w$])Date\s*\.\s*now\b/, what: 'Date.now' },
  { pattern: /(?<![\w$])new\s+Date\s*\(/, what: 'new Date(' },
  { pattern: /(?<![\w$])Math\s*\.\s*random\b/, what: 'Math.random' },
  { pattern: /(?<![\w$])setTimeout\b/, what: 'setTimeout' },
  { pattern: /(?<![\w$])setInterval\b/, what: 'setInterval' },
  { pattern: /(?<![\w$])setImmediate\b/, what: 'setImmediate' },
  { pattern: /(?<![\w$])queueMicrotask\b/, what: 'queueMicrotask' },
  { pattern: /(?<![\w$])fetch\s*\(/, what: 'fetch(' },
  { pattern: /(?<![\w$])performance\s*\./, what: 'performance.' },
  { pattern: /(?<![\w$])crypto\s*\./, what: 'crypto.' },
  { pattern: /(?<![\w$])process\s*\./, what: 'process.' },
];

/** Module specifiers: `from '...'`, `import '...'`, `import('...')`, `require('...')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"]+)\1/g;

interface Finding {
  readonly line: number;
  readonly what: string;
}

function forbiddenModule(specifier: string): string | null {
  if (specifier.startsWith('node:') || specifier.startsWith('cloudflare:')) return specifier;
  const packageName = specifier.startsWith('@')
    ? specifier.split('/').slice(0, 2).join('/')
    : (specifier.split('/')[0] ?? '');
  return FORBIDDEN_PACKAGES.has(packageName) ? specifier : null;
}

const REGEX_PRECEDERS = new Set([...'(,=:[!&|?{};+-*%<>~^']);
const REGEX_KEYWORDS = /(?:^|[^\w$])(?:return|typeof|case|in|of|delete|void|throw|new|yield|await)$/;

/**
 * Returns the source with comments and the contents of strings, templates and regex literals
 * replaced by spaces (newlines kept), so code can be matched line by line without false hits.
 * Template `${...}` expressions stay code. Bounded by the source length.
 */
function codeOnly(source: string): string {
  const out = source.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const templateDepths: number[] = [];
  let braceDepth = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      const stop = endOfQuoted(source, i + 1, c);
      blank(i + 1, stop - 1);
      i = stop;
    } else if (c === '`' || (c === '}' && templateDepths.at(-1) === braceDepth)) {
      if (c === '}') templateDepths.pop();
      const start = i + 1;
      const { stop, interpolation } = endOfTemplateText(source, start);
      blank(start, interpolation ? stop - 2 : stop - 1);
      if (interpolation) templateDepths.push(braceDepth);
      i = stop;
    } else if (c === '/' && startsRegex(source, i)) {
      const stop = endOfRegex(source, i + 1);
      blank(i + 1, stop - 1);
      i = stop;
    } else {
      if (c === '{') braceDepth++;
      if (c === '}') braceDepth--;
      i++;
    }
  }
  return out.join('');
}

function endOfQuoted(source: string, from: number, quote: string): number {
  let i = from;
  while (i < source.length && source[i] !== quote && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** From inside a template's text to just after its closing backtick or its next `${`. */
function endOfTemplateText(source: string, from: number): { stop: number; interpolation: boolean } {
  let i = from;
  while (i < source.length) {
    if (source[i] === '\\') i += 2;
    else if (source[i] === '`') return { stop: i + 1, interpolation: false };
    else if (source[i] === '$' && source[i + 1] === '{') return { stop: i + 2, interpolation: true };
    else i++;
  }
  return { stop: source.length, interpolation: false };
}

function startsRegex(source: string, slash: number): boolean {
  let j = slash - 1;
  while (j >= 0 && (source[j] === ' ' || source[j] === '\t')) j--;
  if (j < 0 || source[j] === '\n') return true;
  const before = source[j] ?? '';
  return REGEX_PRECEDERS.has(before) || REGEX_KEYWORDS.test(source.slice(Math.max(0, j - 10), j + 1));
}

function endOfRegex(source: string, from: number): number {
  let i = from;
  let inClass = false;
  while (i < source.length && source[i] !== '\n') {
    const c = source[i];
    if (c === '\\') i += 2;
    else {
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) return i + 1;
      i++;
    }
  }
  return i;
}

/** Everything impure in one source text, by 1-based line. */
function scanSource(source: string): Finding[] {
  const rawLines = source.split('\n');
  const codeLines = codeOnly(source).split('\n');
  const findings: Finding[] = [];
  for (const [index, raw] of rawLines.entries()) {
    const code = codeLines[index] ?? '';
    for (const match of raw.matchAll(SPECIFIER)) {
      const at = match.index ?? 0;
      // The keyword must be code, not part of a comment or a string.
      if (code.slice(at, at + 4).trim() === '') continue;
      const specifier = match[2] ?? '';
      const bad = forbiddenModule(specifier);
      if (bad !== null) findings.push({ line: index + 1, what: `import of '${bad}'` });
    }
    for (const { pattern, what } of FORBIDDEN_USES) {
      if (pattern.test(code)) findings.push({ line: index + 1, what });
    }
  }
  return findings;
}

function pureFiles(): string[] {
  return PURE_DIRS.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => relative(ROOT, join(ROOT, dir, name))),
  ).sort();
}

describe('purity of the core', () => {
  it('finds the core files (an empty scan proves nothing)', () => {
    const files = pureFiles();
    expect(files).toContain(join('workers', 'protocol', 'common.ts'));
    expect(files).toContain(join('agent', 'core', 'types.ts'));
    expect(files).toContain(join('workers', 'core', 'types.ts'));
  });

  it('has no I/O import, clock, timer or randomness in workers/core, workers/protocol, agent/core', () => {
    const findings = pureFiles().flatMap((file) =>
      scanSource(readFileSync(join(ROOT, file), 'utf8')).map((f) => `${file}:${f.line}: ${f.what}`),
    );
    expect(findings, `impure code in the core:\n${findings.join('\n')}`).toEqual([]);
  });
});

/** Relative imports of a pure file that land outside the pure directories (which the scan would miss). */
function importsOutsidePure(file: string, source = readFileSync(join(ROOT, file), 'utf8')): string[] {
  const code = codeOnly(source);
  const outside: string[] = [];
  for (const match of source.matchAll(SPECIFIER)) {
    const at = match.index ?? 0;
    if (code.slice(at, at + 4).trim() === '') continue;
    const specifier = match[2] ?? '';
    if (!specifier.startsWith('.')) continue;
    const target = relative(ROOT, join(dirname(join(ROOT, file)), specifier));
    if (!PURE_DIRS.some((dir) => target.startsWith(`${dir}/`))) outside.push(`${file} imports ${target}`);
  }
  return outside;
}

describe('the pure core is sealed', () => {
  it('imports, relatively, only other pure modules: the scan above covers everything the cores run', () => {
    expect(pureFiles().flatMap((file) => importsOutsidePure(file))).toEqual([]);
  });

  it('notices a planted import that leaves the pure directories, and none in comments', () => {
    const planted = [
      "import { instancePayload } from '../sentinel/events.js';",
      "import type { Config } from '../../workers/protocol/index.js';",
      "// import { x } from '../runtime/clock.js';",
      "export { y } from '../runtime/clock.js';",
    ].join('\n');
    expect(importsOutsidePure(join('agent', 'core', 'planted.ts'), planted)).toEqual([
      `${join('agent', 'core', 'planted.ts')} imports ${join('agent', 'sentinel', 'events.js')}`,
      `${join('agent', 'core', 'planted.ts')} imports ${join('agent', 'runtime', 'clock.js')}`,
    ]);
  });
});

describe('the purity scanner itself', () => {
  it('catches a planted bad snippet, line by line', () => {
    const planted = [
      "import { readFileSync } from 'node:fs';",
      "import type { DurableObject } from 'cloudflare:workers';",
      "import { Hono } from 'hono';",
      "import { streamSSE } from 'hono/streaming';",
      "import Redis from 'ioredis';",
      "import WebSocket from 'ws';",
      "import Parser from 'redis-parser';",
      "import { EventEmitter } from 'events';",
      "const os = await import('node:os');",
      'const now = Date.now();',
      'const when = new Date(0);',
      'const coin = Math.random() < 0.5;',
      'setTimeout(() => {}, 10);',
      'const timer = setInterval(tick, 100);',
      'setImmediate(run);',
      'queueMicrotask(run);',
      'const res = await fetch(url);',
      'const t = performance.now();',
      'const id = crypto.randomUUID();',
      'const env = process.env.X;',
      "export * from 'node:path';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal
      'const x = `${Date.now()}`;',
    ].join('\n');
    const findings = scanSource(planted);
    expect(findings.map((f) => f.line)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(findings[0]).toEqual({ line: 1, what: "import of 'node:fs'" });
    expect(findings[9]).toEqual({ line: 10, what: 'Date.now' });
  });

  it('ignores the forbidden words in comments, strings, templates and regexes', () => {
    const clean = [
      '// A comment may say Date.now(), setTimeout or process.exit.',
      '/* Block comments too: Math.random()',
      "   import x from 'node:fs';",
      ' * JSDoc lines: fetch(url) and crypto.subtle */',
      "const reason = 'the agent process. stops; Date.now() is not called';",
      'const doc = "new Date( is only text";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal
      'const msg = `waited ${waitedMs} ms for setTimeout-like things`;',
      "const re = /process\\.env|'quoted'/;",
      'const nowMs = input.nowMs; // time comes from the caller',
      "import { z } from 'zod';",
      "import { formatNodeId } from '../../workers/protocol/index.js';",
      'const processed = items.length; const fetched = 1; const setTimeoutMs = 5;',
      'const obj = { crypto: 1 }; obj.crypto;',
    ].join('\n');
    expect(scanSource(clean)).toEqual([]);
  });
});
