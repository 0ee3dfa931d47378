// Redis's ACL command categories, and which of them each command served here belongs to.
import type { CommandSpec } from '../command-spec.js';

/** Every category Redis 7.2 knows, in `ACL CAT`'s order; rules may name any of them. */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;

/** The `acl_categories` Redis's command files declare beyond what the flags imply. */
const DECLARED: Readonly<Record<string, readonly string[]>> = {
  ping: ['connection'],
  auth: ['connection'],
  hello: ['connection'],
  client: ['connection'],
  command: ['connection'],
  quit: ['connection'],
  reset: ['connection'],
  role: ['admin', 'dangerous'],
  info: ['dangerous'],
};

/**
 * Redis's rule (`setImplicitACLCategories`): `admin` makes a command @admin and @dangerous,
 * `pubsub` @pubsub, `fast` @fast and everything else @slow; plus what its command file declares
 * (a subcommand inherits its container's declaration).
 */
export function categoriesOf(spec: CommandSpec): ReadonlySet<string> {
  const categories = new Set<string>(DECLARED[spec.name.split('|')[0] ?? ''] ?? []);
  if (spec.flags.includes('admin')) {
    categories.add('admin');
    categories.add('dangerous');
  }
  if (spec.flags.includes('pubsub')) categories.add('pubsub');
  categories.add(spec.flags.includes('fast') ? 'fast' : 'slow');
  return categories;
}

export function isCategory(name: string): boolean {
  return (ACL_CATEGORIES as readonly string[]).includes(name);
}
