// Redis glob matching (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, and `\` escapes.

/**
 * Matches one character at `pattern[p]` against `ch`; returns the index after the token, or
 * -1 if the character does not match. `*` is handled by the caller.
 */
function matchOne(pattern: string, p: number, ch: string): number {
  const token = pattern[p];
  if (token === '?') return p + 1;
  if (token === '\\' && p + 1 < pattern.length) return pattern[p + 1] === ch ? p + 2 : -1;
  if (token !== '[') return token === ch ? p + 1 : -1;
  let i = p + 1;
  const negate = pattern[i] === '^';
  if (negate) i++;
  let matched = false;
  // An unterminated class runs to the end of the pattern, as in Redis.
  while (i < pattern.length && pattern[i] !== ']') {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) {
      if (pattern[i + 1] === ch) matched = true;
      i += 2;
    } else if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      let low = c;
      let high = pattern[i + 2] ?? '';
      if (low > high) [low, high] = [high, low];
      if (ch >= low && ch <= high) matched = true;
      i += 3;
    } else {
      if (c === ch) matched = true;
      i++;
    }
  }
  if (negate) matched = !matched;
  return matched ? Math.min(i + 1, pattern.length) : -1;
}

/**
 * True if `text` matches the glob `pattern`. Backtracks only to the last `*`, so the work is
 * bounded by pattern length times text length.
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      while (p < pattern.length && pattern[p] === '*') p++;
      if (p === pattern.length) return true;
      starP = p;
      starT = t;
      continue;
    }
    const next = p < pattern.length ? matchOne(pattern, p, text[t] ?? '') : -1;
    if (next >= 0) {
      p = next;
      t++;
    } else if (starP >= 0) {
      starT++;
      t = starT;
      p = starP;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
