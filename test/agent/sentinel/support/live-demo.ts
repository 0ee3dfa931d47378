// Three real agents (Sentinel ports) over three real redis-servers and fake voters: redis-cli's CKQUORUM and SENTINELS with all agents up, then with two stopped.
// Usage: npx tsx test/agent/sentinel/support/live-demo.ts [firstSentinelPort] [firstRedisPort]   (prints the transcript, then stops everything)
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { type RunningAgent, startAgent } from '../../../../agent/runtime/agent.js';
import { initialConfig } from '../../../../workers/protocol/index.js';
import { startRedis } from '../../../support/redis-server.js';
import { FakeVoters, tokenFor } from '../../runtime/fake-voters.js';
import { removeDir, tempStateDir, testConfig } from '../../runtime/harness.js';

const firstSentinel = Number(process.argv[2] ?? 8907);
const firstRedis = Number(process.argv[3] ?? 7945);
const GROUP = 'mymaster';
const sentinelPorts = [0, 1, 2].map((i) => firstSentinel + i);
const redisPorts = [0, 1, 2].map((i) => firstRedis + i);

const redis = [await startRedis({ port: firstRedis })];
for (const port of redisPorts.slice(1)) {
  redis.push(await startRedis({ port, replicaOf: `127.0.0.1 ${firstRedis}` }));
}
const voters = await FakeVoters.start(GROUP);
voters.push(initialConfig(`127.0.0.1:${firstRedis}`));
const dirs: string[] = [];
const agents: RunningAgent[] = [];
for (let i = 0; i < 3; i++) {
  const local = redisPorts[i] as number;
  const dir = tempStateDir();
  dirs.push(dir);
  const base = await testConfig({
    voters,
    localPort: local,
    otherPorts: redisPorts.filter((p) => p !== local),
    stateDir: dir,
  });
  const agentId = `agent-${'abc'[i]}`;
  const token = await tokenFor(agentId, GROUP);
  agents.push(
    await startAgent(
      {
        ...base,
        agentId,
        sentinel: {
          host: '127.0.0.1',
          port: sentinelPorts[i] as number,
          enabled: true,
          adminWithoutPassword: true,
        },
        metrics: { host: '127.0.0.1', port: 0, enabled: false },
        peers: sentinelPorts.filter((p) => p !== sentinelPorts[i]).map((p) => `127.0.0.1:${p}`),
        groups: base.groups.map((g) => ({ ...g, token })),
      },
      { logger: pino({ level: 'silent' }), defaultMetrics: false },
    ),
  );
}

/** redis-cli against agent a, asynchronously: agent a answers from this very process. */
async function redisCli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(firstSentinel), ...args]);
  return stdout;
}

async function cli(...args: string[]): Promise<void> {
  console.log(`$ redis-cli -p ${firstSentinel} ${args.join(' ')}\n${(await redisCli(...args)).trimEnd()}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  await sleep(3000);
  console.log('# all three agents up');
  await cli('SENTINEL', 'ckquorum', GROUP);
  await cli('SENTINEL', 'sentinels', GROUP);
  const stoppedAt = performance.now();
  await agents[1]?.stop();
  await agents[2]?.stop();
  console.log(`# agents b and c stopped; polling CKQUORUM every 100 ms`);
  for (;;) {
    if ((await redisCli('SENTINEL', 'ckquorum', GROUP)).startsWith('NOQUORUM')) break;
    await sleep(100);
  }
  console.log(`# NOQUORUM after ${Math.round(performance.now() - stoppedAt)} ms`);
  await cli('SENTINEL', 'ckquorum', GROUP);
  await cli('SENTINEL', 'sentinels', GROUP);
  await cli('INFO', 'sentinel');
} finally {
  for (const agent of agents) await agent.stop();
  await voters.close();
  for (const r of redis) await r.stop();
  for (const dir of dirs) removeDir(dir);
}
