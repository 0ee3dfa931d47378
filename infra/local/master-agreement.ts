// Who clients are told is the master (the HTTP endpoint and every running agent), and waiting until they agree.
import { getMaster, type PublishedMaster } from './coordinator-client.js';
import { sentinelMasterAddr } from './redis-query.js';
import type { StackNode } from './stack-nodes.js';
import { waitFor } from './wait.js';

/** What the answers come from: the local stack (read at each call, wrangler may have restarted). */
export interface MasterSources {
  readonly coordinatorUrl: string;
  /** Sent on reads: the Worker accepts it where READ_TOKEN is set. */
  readonly adminToken: string;
  readonly options: { readonly group: string };
  readonly nodes: readonly StackNode[];
}

export function publishedMaster(sources: MasterSources): Promise<PublishedMaster> {
  return getMaster(sources.coordinatorUrl, sources.options.group, 5000, sources.adminToken);
}

/** Every running agent's answer to SENTINEL get-master-addr-by-name (null: none or unreachable). */
export function agentMasters(sources: MasterSources): Promise<(string | null)[]> {
  return Promise.all(
    sources.nodes.map((n) =>
      n.agent?.running() ? sentinelMasterAddr(n.sentinelPort, sources.options.group).catch(() => null) : null,
    ),
  );
}

/** Until the HTTP endpoint and every running agent name `address` as the master. */
export function waitForAgreedMaster(
  sources: MasterSources,
  address: string,
  timeoutMs: number,
): Promise<PublishedMaster> {
  return waitFor(
    `every agent and the HTTP endpoint to name ${address} the master`,
    timeoutMs,
    async () => {
      const published = await publishedMaster(sources);
      if (`${published.host}:${published.port}` !== address) {
        throw new Error(`HTTP endpoint says ${published.host}:${published.port} at epoch ${published.epoch}`);
      }
      const answers = await agentMasters(sources);
      const running = sources.nodes.filter((n) => n.agent?.running());
      const wrong = running.filter((n) => answers[n.index] !== address);
      if (wrong.length > 0) {
        throw new Error(wrong.map((n) => `${n.agentId} says ${answers[n.index] ?? 'nothing'}`).join(', '));
      }
      return published;
    },
    100,
  );
}
