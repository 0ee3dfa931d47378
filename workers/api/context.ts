// The hono environment of the API and the lookups every group route starts with.
import type { Context } from 'hono';
import type { GroupEntry, GroupTable } from '../config/load.js';
import type { Env } from '../env.js';
import { notFound } from './errors.js';
import { type VoterNamespace, VoterSet } from './voters.js';

export interface AppEnv {
  Bindings: Env;
  Variables: { groups: GroupTable };
}

export type AppContext = Context<AppEnv>;

/** The group named in the path; 404 when the deployment does not declare it. */
export function groupOf(c: AppContext): GroupEntry {
  const name = c.req.param('group') ?? '';
  const group = c.var.groups.get(name);
  if (group === undefined) {
    throw notFound('unknown_group', `no group named "${name.slice(0, 64)}" is configured`);
  }
  return group;
}

export function votersOf(c: AppContext, group: GroupEntry): VoterSet {
  return new VoterSet(voterNamespace(c.env), group);
}

/** A voter index from the path or a query (`raw`); 404 unless the group has that voter. */
export function voterIndexOf(group: GroupEntry, voters: VoterSet, raw: string | number): number {
  const index = typeof raw === 'number' ? raw : /^\d$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(index >= 0 && index < voters.count)) {
    throw notFound('unknown_voter', `group "${group.name}" has voters 0..${voters.count - 1}`);
  }
  return index;
}

/** The Durable Object namespace seen through the narrow interface the API calls. */
export function voterNamespace(env: Env): VoterNamespace {
  return env.VOTER;
}
