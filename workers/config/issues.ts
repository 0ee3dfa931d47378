// Turning a zod error into one line per bad field, each naming its path from a root ("GROUPS", "body").
import type { z } from 'zod';

/**
 * The first problem of each field only (a malformed address would also fail its port check),
 * and a misspelt key named as a field of its own (`body.tagret: unknown key`).
 */
export function describeIssues(root: string, error: z.ZodError, max = 10): string[] {
  const lines = new Map<string, string>();
  for (const issue of error.issues) {
    const path = [root, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.set(`${path}.${key}`, `${path}.${key}: unknown key`);
    } else if (!lines.has(path)) {
      lines.set(path, `${path}: ${issue.message}`);
    }
  }
  return [...lines.values()].slice(0, max);
}
