// A Redis ACL file: read with a size bound and checked as a whole, at start (config load) and by ACL LOAD.
import { readBounded } from '../../config/bounded-read.js';
import type { CommandSpec } from '../command-spec.js';
import { AclError, AclUsers } from './users.js';

/** An ACL file is a few users; anything near this is not one. */
const ACL_FILE_LIMIT = 1024 * 1024;

export type AclFileRead = { readonly lines: readonly string[] } | { readonly error: string };

/** The file's lines if it can be read and every user in it is valid; else why not (`path:line: ...`). */
export function readAclFile(
  path: string,
  commands: readonly CommandSpec[],
  password: string | null,
): AclFileRead {
  const read = readBounded(path, ACL_FILE_LIMIT);
  if ('error' in read) return { error: `${path} ${read.error}` };
  const lines = read.text.split('\n');
  try {
    new AclUsers(commands, { lines, defaultPassword: password, origin: path });
  } catch (cause) {
    if (cause instanceof AclError) return { error: cause.message };
    throw cause;
  }
  return { lines };
}
