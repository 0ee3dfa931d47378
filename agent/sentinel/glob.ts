// Redis glob matching (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, and `\` escapes. A pattern
// is compiled once (classes into sets and merged ranges), so matching costs the text's length
// times the pattern's tokens, never a rescan of a huge bracket class at every position; and a
// pattern that needs more characters than the text has is refused before any work.

type Token =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'char'; readonly ch: string }
  | {
      readonly kind: 'class';
      readonly negate: boolean;
      readonly chars: ReadonlySet<string>;
      /** Sorted, merged, inclusive code-unit ranges. */
      readonly ranges: readonly (readonly [number, number])[];
    };

export interface CompiledGlob {
  readonly tokens: readonly Token[];
  /** Characters every match needs (tokens other than `*`). */
  readonly minLength: number;
}

export function compileGlob(pattern: string): CompiledGlob {
  const tokens: Token[] = [];
  let p = 0;
  while (p < pattern.length) {
    const c = pattern[p] ?? '';
    if (c === '*') {
      // Consecutive stars are one.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      p++;
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
      p++;
    } else if (c === '\\' && p + 1 < pattern.length) {
      tokens.push({ kind: 'char', ch: pattern[p + 1] ?? '' });
      p += 2;
    } else if (c === '[') {
      const parsed = compileClass(pattern, p + 1);
      tokens.push(parsed.token);
      p = parsed.next;
    } else {
      tokens.push({ kind: 'char', ch: c });
      p++;
    }
  }
  return { tokens, minLength: tokens.filter((t) => t.kind !== 'star').length };
}

/** A bracket class from just after `[`; an unterminated class runs to the end, as in Redis. */
function compileClass(pattern: string, from: number): { token: Token; next: number } {
  let i = from;
  const negate = pattern[i] === '^';
  if (negate) i++;
  const chars = new Set<string>();
  const raw: [number, number][] = [];
  while (i < pattern.length && pattern[i] !== ']') {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) {
      chars.add(pattern[i + 1] ?? '');
      i += 2;
    } else if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      const a = c.charCodeAt(0);
      const b = (pattern[i + 2] ?? '').charCodeAt(0);
      raw.push(a <= b ? [a, b] : [b, a]);
      i += 3;
    } else {
      chars.add(c);
      i++;
    }
  }
  raw.sort((x, y) => x[0] - y[0]);
  const ranges: [number, number][] = [];
  for (const r of raw) {
    const last = ranges.at(-1);
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else ranges.push([r[0], r[1]]);
  }
  return { token: { kind: 'class', negate, chars, ranges }, next: Math.min(i + 1, pattern.length) };
}

function inRanges(ranges: readonly (readonly [number, number])[], code: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [a, b] = ranges[mid] as readonly [number, number];
    if (code < a) high = mid - 1;
    else if (code > b) low = mid + 1;
    else return true;
  }
  return false;
}

function matchesOne(token: Token, ch: string): boolean {
  switch (token.kind) {
    case 'any':
      return true;
    case 'char':
      return token.ch === ch;
    case 'class': {
      const hit = token.chars.has(ch) || inRanges(token.ranges, ch.charCodeAt(0));
      return token.negate ? !hit : hit;
    }
    case 'star':
      return false;
  }
}

/**
 * True if `text` matches the compiled glob. Backtracks only to the last `*`, so the work is
 * bounded by the tokens times the text's length.
 */
export function matchCompiled(glob: CompiledGlob, text: string): boolean {
  if (glob.minLength > text.length) return false;
  const { tokens } = glob;
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const token = tokens[p];
    if (token?.kind === 'star') {
      p++;
      if (p === tokens.length) return true;
      starP = p;
      starT = t;
      continue;
    }
    if (token !== undefined && matchesOne(token, text[t] ?? '')) {
      p++;
      t++;
    } else if (starP >= 0) {
      starT++;
      t = starT;
      p = starP;
    } else {
      return false;
    }
  }
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

/** Compiled patterns, reused across events; bounded (subscriptions are bounded per client and agent). */
const cache = new Map<string, CompiledGlob>();
const CACHE_ENTRIES = 4096;

/** True if `text` matches the glob `pattern` (compiled once and cached). */
export function globMatch(pattern: string, text: string): boolean {
  let glob = cache.get(pattern);
  if (glob === undefined) {
    glob = compileGlob(pattern);
    if (cache.size >= CACHE_ENTRIES) cache.clear();
    cache.set(pattern, glob);
  }
  return matchCompiled(glob, text);
}
