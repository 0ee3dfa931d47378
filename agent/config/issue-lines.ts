// Validation messages that point into the file: each zod issue at the line of its field, or at the environment variable that set it.
import { type Document, isMap, isNode, isScalar, isSeq, type LineCounter } from 'yaml';
import type { z } from 'zod';

/** One message per issue: `agent.yaml:12: groups.0.local.port: Invalid input: expected number`. */
export function describeIssues(
  error: z.ZodError,
  doc: Document,
  lineCounter: LineCounter,
  source: string,
  sources: ReadonlyMap<string, string>,
): string[] {
  const issues = error.issues.flatMap((issue): { path: readonly PropertyKey[]; message: string }[] =>
    // One message per unknown key, pointing at that key's own line.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key], message: `unknown field "${key}"` }))
      : [{ path: issue.path, message: issue.message }],
  );
  return issues.slice(0, 10).map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const field = path.length === 0 ? '(file)' : path.join('.');
    for (let n = path.length; n > 0; n--) {
      const variable = sources.get(path.slice(0, n).join('.'));
      if (variable !== undefined) return `${variable} (environment): ${field}: ${issue.message}`;
    }
    return `${source}:${lineOf(doc, lineCounter, path)}: ${field}: ${issue.message}`;
  });
}

/**
 * The line of the deepest field on the path that exists: a map entry's key line (so a nested
 * block points at its `key:` line), a sequence item's own line; a missing field points at the
 * key of its parent.
 */
function lineOf(doc: Document, lineCounter: LineCounter, path: readonly (string | number)[]): number {
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    const segment = path[n - 1];
    let range: readonly number[] | null | undefined;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      range = pair !== undefined && isScalar(pair.key) ? pair.key.range : undefined;
    } else if (isSeq(parent)) {
      const item = parent.items[Number(segment)];
      range = isNode(item) ? item.range : undefined;
    }
    if (range?.[0] !== undefined) return lineCounter.linePos(range[0]).line;
  }
  return 1;
}
