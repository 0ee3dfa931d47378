// GET /v1/groups and GET /v1/groups/:group: the group list with masters, and one group's status.
import { Hono } from 'hono';
import { readAccess } from '../../auth/guards.js';
import { type AppEnv, groupOf, votersOf } from '../context.js';
import { describeError, settleAll } from '../gather.js';
import { readMajority } from '../master-read.js';
import { toMaster } from '../master-view.js';
import { GroupListQuerySchema, type Master } from '../schemas.js';
import { readSettings } from '../settings-register.js';
import { buildStatus } from '../status.js';
import { query } from '../validate.js';

const DEFAULT_PAGE = 50;

export const groupRoutes = new Hono<AppEnv>()
  .get('/', readAccess(), query(GroupListQuerySchema), async (c) => {
    const { after, limit = DEFAULT_PAGE } = c.req.valid('query');
    const names = [...c.var.groups.keys()].filter((name) => after === undefined || name > after);
    const page = names.slice(0, limit);
    const groups = await Promise.all(
      page.map(async (name) => {
        const group = c.var.groups.get(name);
        if (group === undefined) throw new Error(`group ${name} vanished from the table`);
        const voters = votersOf(c, group);
        // The quorum in effect: a runtime override when a majority holds one, else wrangler.toml's.
        const quorum = await readSettings(voters).then(
          (read) => read.override?.values.quorum ?? group.config.quorum,
          () => group.config.quorum,
        );
        const base = { group: name, voters: group.config.voters, quorum };
        try {
          const read = await readMajority(voters);
          return { ...base, master: toMaster(name, read.config), error: null };
        } catch (error) {
          return { ...base, master: null, error: describeError(error) };
        }
      }),
    );
    const last = page.at(-1);
    const next = names.length > page.length && last !== undefined ? last : null;
    return c.json({ groups, next });
  })
  .get('/:group', readAccess(), async (c) => {
    const group = groupOf(c);
    const voters = votersOf(c, group);
    const [statuses, master, settings] = await Promise.all([
      settleAll(voters.callAll((stub, address) => stub.status(address))),
      readMajority(voters).then(
        (read): Master | null => toMaster(group.name, read.config),
        () => null,
      ),
      // The settings register read repairs a voter that is behind, as the master read does.
      readSettings(voters).then(
        (read) => read.override,
        () => undefined,
      ),
    ]);
    return c.json(buildStatus(group, statuses.answers, statuses.failures, master, settings));
  });
