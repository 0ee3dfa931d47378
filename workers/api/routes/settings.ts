// Runtime group settings (issue 12 item 2): GET, PUT (admin) and DELETE (admin) /v1/groups/:group/settings.
import { Hono } from 'hono';
import { adminAccess, readAccess } from '../../auth/guards.js';
import type { GroupEntry } from '../../config/load.js';
import { SettingsPatchSchema } from '../../config/settings-schema.js';
import type { SettingsOverride } from '../../core/types.js';
import { type AppContext, type AppEnv, groupOf, votersOf } from '../context.js';
import { ApiError, badRequest } from '../errors.js';
import { SettingsQuerySchema } from '../schemas.js';
import { readSettings, type SettingsWrite, settingsView, writeSettings } from '../settings-register.js';
import { jsonBody, query } from '../validate.js';

export const settingsRoutes = new Hono<AppEnv>()
  .get('/:group/settings', readAccess(), async (c) => {
    const group = groupOf(c);
    const read = await readSettings(votersOf(c, group));
    return c.json(settingsBody(group, read.override));
  })
  .put(
    '/:group/settings',
    adminAccess(),
    query(SettingsQuerySchema),
    jsonBody(SettingsPatchSchema),
    async (c) => {
      const group = groupOf(c);
      const patch = c.req.valid('json');
      const reset = c.req.valid('query').reset === '1';
      if (reset && Object.keys(patch).length > 0) throw badRequest('body: give {} with ?reset=1');
      const nodes = group.config.nodes;
      if (patch.quorum != null && nodes !== undefined && patch.quorum > nodes.length) {
        throw badRequest(
          `body.quorum: ${patch.quorum} is larger than the ${nodes.length} node(s) in nodes (at most ${nodes.length})`,
        );
      }
      return answerWrite(
        c,
        group,
        await writeSettings(votersOf(c, group), patch, reset, crypto.randomUUID()),
      );
    },
  )
  .delete('/:group/settings', adminAccess(), async (c) => {
    const group = groupOf(c);
    return answerWrite(c, group, await writeSettings(votersOf(c, group), {}, true, crypto.randomUUID()));
  });

function settingsBody(group: GroupEntry, override: SettingsOverride | null) {
  const view = settingsView(group, override);
  const { quorum, downAfterMs, failoverTimeoutMs, parallelSyncs, masterRebootDownAfterMs } = view.settings;
  return {
    group: group.name,
    settings: { quorum, downAfterMs, failoverTimeoutMs, parallelSyncs, masterRebootDownAfterMs },
    settingsSources: view.sources,
    settingsVersion: view.version,
    override: { ...(override?.values ?? {}) },
  };
}

/** Like pause/resume: 200 once a majority adopted; else 503 (voters unreachable) or 409. */
function answerWrite(c: AppContext, group: GroupEntry, write: SettingsWrite) {
  const voters = votersOf(c, group);
  const reports = voters.indices().map((voter) => {
    if (write.acked.includes(voter)) {
      return { voter, ok: true, code: null, reason: `holds v${write.override.version}` };
    }
    const error = write.failures.find((f) => f.index === voter)?.error ?? 'no answer';
    return { voter, ok: false, code: 'UNREACHABLE', reason: error };
  });
  const acknowledged = write.acked.length;
  const newer = write.supersededBy;
  if (newer !== null) {
    // Last writer wins per (version, writer): a concurrent write ordered after this one replaced
    // its values, so this patch may not be in effect. Say so rather than answer 200.
    throw new ApiError(
      409,
      'superseded',
      `settings v${write.override.version} was superseded by a concurrent write (v${newer.version}): read the settings and retry`,
    );
  }
  if (acknowledged >= voters.majority) {
    return c.json({
      ...settingsBody(group, write.override),
      acknowledged,
      majority: voters.majority,
      voters: reports,
    });
  }
  const perVoter = reports.map((r) => `voter ${r.voter}: ${r.ok ? 'ok' : r.reason}`).join('; ');
  throw new ApiError(
    503,
    'no_majority',
    `settings v${write.override.version} adopted by ${acknowledged} of ${voters.count} voters (a majority is ${voters.majority}): ${perVoter}`,
  );
}
