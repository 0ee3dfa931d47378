// The agent process forked by a node's supervisor, found through /proc (Linux).
import { readFileSync } from 'node:fs';
import type { GroupProcess } from './process-group.js';

/** The supervisor's only child (the agent), or null when the supervisor or its child is gone. */
export function supervisedPid(supervisor: GroupProcess | null): number | null {
  if (supervisor === null || !supervisor.running()) return null;
  try {
    const children = readFileSync(`/proc/${supervisor.pid}/task/${supervisor.pid}/children`, 'utf8').trim();
    const pid = Number(children.split(/\s+/)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
