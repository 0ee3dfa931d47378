// How deeply a YAML text nests, estimated in one pass before it is parsed. yaml's composer recurses
// once per level: about 800 levels overflow the stack (yaml reports it as an error), and a second
// such document in the same process can abort it outright (V8 compiling a regexp at the end of the
// stack "runs out of memory"). An agent file nests fewer than 10 levels, so deeper text is refused
// before it reaches the parser.

/** Far above any agent file, far below the ~800 levels that reach the end of the stack. */
export const MAX_NESTING = 64;

export interface TooDeep {
  readonly depth: number;
  /** Where the text first nests deeper than the limit. */
  readonly offset: number;
}

/**
 * The first place `text` nests deeper than `limit`: block levels (indentation steps, compact `- - x`
 * entries) plus open flow collections (`[`, `{`). Quoted scalars, comments and block scalars (`|`,
 * `>`) are skipped, so brackets in values do not count. It may overestimate, never by enough to
 * refuse a real agent file; it never underestimates what makes yaml recurse.
 */
export function tooDeep(text: string, limit = MAX_NESTING): TooDeep | null {
  const indents: number[] = [];
  let flow = 0;
  let blockScalarIndent: number | null = null;
  let lineStart = 0;
  while (lineStart < text.length) {
    let pos = lineStart;
    while (text[pos] === ' ') pos++;
    const indent = pos - lineStart;
    let lineEnd = endOfLine(text, pos);
    const blank = pos >= lineEnd || text[pos] === '#' || text[pos] === '\r';
    if (blockScalarIndent !== null && (blank || indent > blockScalarIndent)) {
      lineStart = lineEnd + 1;
      continue;
    }
    blockScalarIndent = null;
    if (blank) {
      lineStart = lineEnd + 1;
      continue;
    }
    let block = indents.length;
    if (flow === 0) {
      while (indents.length > 0 && (indents.at(-1) as number) > indent) indents.pop();
      if (indents.length === 0 || (indents.at(-1) as number) < indent) indents.push(indent);
      block = indents.length;
      if (block > limit) return { depth: block, offset: pos };
      // "- - x": each entry indicator on the line opens one more level.
      while (isCompactIndicator(text, pos, lineEnd)) {
        block++;
        if (block > limit) return { depth: block, offset: pos };
        pos++;
        while (text[pos] === ' ' || text[pos] === '\t') pos++;
      }
    }
    while (pos < lineEnd) {
      const ch = text[pos] as string;
      if (ch === ' ' || ch === '\t' || ch === '\r') {
        pos++;
      } else if (ch === '#' && (pos === lineStart || text[pos - 1] === ' ' || text[pos - 1] === '\t')) {
        break;
      } else if (ch === '"' || ch === "'") {
        // A quoted scalar may run over several lines; the line then ends after it.
        pos = quoteEnd(text, pos) + 1;
        lineEnd = Math.max(lineEnd, endOfLine(text, pos));
      } else if (ch === '[' || ch === '{') {
        flow++;
        if (block + flow > limit) return { depth: block + flow, offset: pos };
        pos++;
      } else if (flow > 0) {
        if (ch === ']' || ch === '}') flow--;
        pos++;
      } else if (ch === '|' || ch === '>') {
        // A block scalar: the lines indented more than this one are its text.
        blockScalarIndent = indent;
        break;
      } else if (ch === '&' || ch === '!' || ch === '*') {
        while (pos < lineEnd && text[pos] !== ' ' && text[pos] !== '\t') pos++;
      } else {
        pos = plainEnd(text, pos, lineEnd);
      }
    }
    lineStart = lineEnd + 1;
  }
  return null;
}

/**
 * Where a plain scalar in block context (a key or a value) ends: after its `: ` (a value may
 * follow), at a ` #` comment, or at the end of the line. Brackets inside it are text.
 */
function plainEnd(text: string, from: number, lineEnd: number): number {
  for (let i = from; i < lineEnd; i++) {
    const next = text[i + 1];
    if (text[i] === ':' && (i + 1 >= lineEnd || next === ' ' || next === '\t' || next === '\r')) return i + 1;
    if ((text[i] === ' ' || text[i] === '\t') && next === '#') return i + 1;
  }
  return lineEnd;
}

function endOfLine(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** `- ` or `? ` (or either at the end of the line): a nested collection entry on the same line. */
function isCompactIndicator(text: string, pos: number, lineEnd: number): boolean {
  const ch = text[pos];
  if (ch !== '-' && ch !== '?') return false;
  const next = text[pos + 1];
  return pos + 1 >= lineEnd || next === ' ' || next === '\t' || next === '\r';
}

/** The index of the closing quote of the scalar opened at `open` (or the end of the text). */
function quoteEnd(text: string, open: number): number {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i];
    if (quote === '"' && ch === '\\') i++;
    else if (ch === quote) {
      // '' is an escaped quote inside a single-quoted scalar.
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return text.length;
}
