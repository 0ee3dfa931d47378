// SENTINEL SET: a group's runtime settings (quorum, down-after, ...) written to the voters through the source, and this agent's own node credentials and renamed commands.
import { patchFromSentinelSet } from '../../../workers/config/sentinel-set.js';
import type { CommandSpec } from '../command-spec.js';
import { error, OK, type Reply } from '../resp.js';
import { groupOrError, isGroup } from './instance-maps.js';

export const sentinelSet: CommandSpec = {
  name: 'sentinel|set',
  arity: -5,
  docs: {
    summary: 'Changes the configuration of a monitored Redis master.',
    since: '2.8.4',
    group: 'sentinel',
    complexity: 'O(1)',
    arguments: [
      { name: 'master-name', type: 'string' },
      {
        name: 'data',
        type: 'block',
        flags: ['multiple'],
        arguments: [
          { name: 'option', type: 'string' },
          { name: 'value', type: 'string' },
        ],
      },
    ],
  },
  flags: ['admin', 'sentinel', 'only_sentinel'],
  operatorAction: true,
  /**
   * Sentinel's order: the master first, then every pair (its texts). The settings are the
   * voters', so the change is one write to the coordinator; OK means a majority accepted it, and
   * the reply waits (bounded) until this agent applied it, so SENTINEL MASTER shows it next.
   * auth-pass, auth-user and rename-command are this agent's own (as each Sentinel keeps its
   * own): checked before anything is written, applied once the voters' part (if any) succeeded.
   */
  async run(context): Promise<Reply> {
    const group = groupOrError(context);
    if (!isGroup(group)) return group;
    const parsed = patchFromSentinelSet(context.args.slice(3));
    if (!parsed.ok) return error(parsed.error);
    const { server, session } = context;
    const { patch, nodeAccess } = parsed;
    if (nodeAccess.length > 0) {
      const refusal =
        server.nodeAccess === null
          ? "ERR SENTINEL SET auth-pass, auth-user and rename-command change the agent's node connections, and this server has none"
          : server.nodeAccess.refusal(group.name, nodeAccess);
      if (refusal !== null) return error(refusal);
    }
    if (Object.keys(patch).length > 0) {
      const outcome = await server.source.setSettings(group.name, patch);
      server.logger.info(
        { group: group.name, client: session.address, change: patch, outcome },
        'SENTINEL SET requested by a client',
      );
      if (!outcome.ok) return error(`ERR ${outcome.message}`);
    }
    if (nodeAccess.length > 0) server.nodeAccess?.apply(group.name, nodeAccess, session.address);
    return OK;
  },
};
