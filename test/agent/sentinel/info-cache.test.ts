// SENTINEL INFO-CACHE on a real agent: the INFO texts it last received from real redis-servers, in Sentinel's reply shape, byte for byte.
import { describe, expect, it } from 'vitest';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters } from '../runtime/fake-voters.js';
import { cleanupStack, client, node, waitFor } from '../runtime/harness.js';
import { sentinelAgent } from '../runtime/sentinel-port-agent.js';
import { RawClient } from './support/raw-client.js';

const cleanups = cleanupStack();

const GROUP = 'mymaster';
// This file's ports: redis-servers 7441-7442 (7443 is a configured node that never runs), the agent's Sentinel port 8971.
const MASTER = 7441;
const REPLICA = 7442;
const ABSENT = 7443;
const SENTINEL_PORT = 8971;
const INFO_INTERVAL_MS = 500;

/** One RESP reader over the raw reply: each call takes one frame of the expected type and returns its payload. */
function reader(raw: string) {
  let at = 0;
  const line = (prefix: string): string => {
    expect(raw.slice(at, at + 1), `a '${prefix}' frame at byte ${at}`).toBe(prefix);
    const end = raw.indexOf('\r\n', at);
    const value = raw.slice(at + 1, end);
    at = end + 2;
    return value;
  };
  return {
    array: () => Number(line('*')),
    integer: () => Number(line(':')),
    /** A bulk string, or null for the protocol's null (`$-1` in RESP2, `_` in RESP3). */
    bulk(): string | null {
      if (raw.startsWith('$-1\r\n', at) || raw.startsWith('_\r\n', at)) {
        at += raw.startsWith('_', at) ? 3 : 5;
        return null;
      }
      const length = Number(line('$'));
      const bytes = Buffer.from(raw.slice(at), 'utf8').subarray(0, length).toString('utf8');
      at += bytes.length;
      expect(raw.slice(at, at + 2)).toBe('\r\n');
      at += 2;
      return bytes;
    },
    done: () => at === raw.length,
  };
}

const infoField = (text: string, field: string) => new RegExp(`^${field}:(.*)\r$`, 'm').exec(text)?.[1];

describe('SENTINEL INFO-CACHE (Redis 00-base "SENTINEL INFO CACHE returns the cached info")', () => {
  it('answers the name, then [age, INFO text] for the master and each replica, null for a node never heard from', async () => {
    const master = await startRedis({ port: MASTER });
    cleanups.push(() => master.stop());
    const replica = await startRedis({ port: REPLICA, replicaOf: `127.0.0.1 ${MASTER}` });
    cleanups.push(() => replica.stop());
    const voters = await FakeVoters.start(GROUP);
    cleanups.push(() => voters.close());
    voters.push(initialConfig(node(MASTER)));
    await sentinelAgent(
      voters,
      {
        agentId: 'agent-info-cache',
        localPort: MASTER,
        otherPorts: [REPLICA, ABSENT],
        sentinelPort: SENTINEL_PORT,
        group: { infoIntervalMs: INFO_INTERVAL_MS },
      },
      cleanups,
    );

    const runIds = await Promise.all(
      [MASTER, REPLICA].map(async (port) => {
        const c = client(port);
        try {
          return infoField(await c.info('server'), 'run_id');
        } finally {
          c.disconnect();
        }
      }),
    );

    for (const protocol of [2, 3] as const) {
      const sentinel = await RawClient.connect(SENTINEL_PORT, protocol);
      cleanups.push(() => sentinel.close());
      // Polled until the agent holds both nodes' INFO (the replica's once it is linked).
      const raw = await waitFor('both INFO texts cached', 10_000, async () => {
        sentinel.send(['SENTINEL', 'INFO-CACHE', GROUP, 'nope', GROUP]);
        const reply = await sentinel.readQuiet(100);
        return reply.includes('master_link_status:up') ? reply : undefined;
      });
      const r = reader(raw);
      expect(r.array()).toBe(2);
      expect(r.bulk()).toBe(GROUP);
      expect(r.array()).toBe(3);
      const entries: { ageMs: number; text: string | null }[] = [];
      for (let i = 0; i < 3; i++) {
        expect(r.array()).toBe(2);
        entries.push({ ageMs: r.integer(), text: r.bulk() });
      }
      expect(r.done()).toBe(true);
      const [ofMaster, ofReplica, ofAbsent] = entries;
      // The text as the node sent it (the agent asks for INFO server replication keyspace).
      for (const [entry, runId, role] of [
        [ofMaster, runIds[0], 'master'],
        [ofReplica, runIds[1], 'slave'],
      ] as const) {
        expect(entry?.text).toMatch(/^# Server\r\n/);
        expect(infoField(entry?.text ?? '', 'run_id')).toBe(runId);
        expect(infoField(entry?.text ?? '', 'role')).toBe(role);
        expect(entry?.ageMs).toBeGreaterThanOrEqual(0);
        // Read every infoIntervalMs: never much older than that.
        expect(entry?.ageMs).toBeLessThan(INFO_INTERVAL_MS + 1000);
      }
      // The configured node that never ran: no INFO, age 0 (Sentinel's info_refresh of 0).
      expect(ofAbsent).toEqual({ ageMs: 0, text: null });
    }
  }, 30_000);
});
