// Duplicate keys in the agent file, found in one pass with a set per mapping. yaml's own
// `uniqueKeys` compares every key with every earlier one: 70,000 keys took about 30 s.
import { type Document, isMap, isScalar, visit } from 'yaml';

export interface DuplicateKey {
  readonly key: string;
  /** Offset of the repeated key in the text. */
  readonly offset: number;
}

export function duplicateKeys(doc: Document, limit = 5): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return undefined;
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
        if (seen.has(key)) {
          found.push({ key, offset: isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0 });
          if (found.length >= limit) return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}
