// Runs the Sentinel server against three real redis-servers, for manual tries and the README transcript.
// Usage: npx tsx test/agent/sentinel/support/demo.ts [sentinelPort] [firstRedisPort] [password]
import { startSentinelServer } from '../../../../agent/sentinel/server.js';
import { startRedis } from '../../../support/redis-server.js';
import { FakeSource, liveSnapshot, peer } from './fake-source.js';

const sentinelPort = Number(process.argv[2] ?? 26479);
const first = Number(process.argv[3] ?? 7461);
const password = process.argv[4];

const master = await startRedis({ port: first });
const replicas = [
  await startRedis({ port: first + 1, replicaOf: `127.0.0.1 ${first}` }),
  await startRedis({ port: first + 2, replicaOf: `127.0.0.1 ${first}` }),
];
await new Promise((r) => setTimeout(r, 300));
const snapshot = await liveSnapshot(first, [first + 1, first + 2]);
const source = new FakeSource({
  ...snapshot,
  groups: snapshot.groups.map((g) => ({
    ...g,
    sentinels: [peer('127.0.0.1', sentinelPort + 1, 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed')],
  })),
});
const server = await startSentinelServer({ host: '127.0.0.1', port: sentinelPort, password, source });
console.log(`sentinel protocol on 127.0.0.1:${server.port}; redis on ${first}..${first + 2}`);

async function shutdown(): Promise<void> {
  await server.close();
  for (const r of [master, ...replicas]) await r.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
