// `npx tsx test/bench/coordinator-fleet.ts`: the coordinator at fleet size (issue 13 item 2): one wrangler dev serving 1,000 groups, one of them live, readers long-polling every group.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { idleGroupName } from '../../infra/local/local-groups.js';
import { defaultStackOptions, type StackOptions } from '../../infra/local/options.js';
import { onTerminationSignals } from '../../infra/local/process-group.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { readCounters } from './cost-bench.js';
import { billLines, monthlyUsage, perKey, totalDollars } from './cost-model.js';
import { httpLookup } from './lookup-bench.js';
import { parseStatus } from './proc-stats.js';
import { BILLED_COUNTERS, type BilledCounters, type VoterUsage } from './results.js';
import { percentile } from './stats.js';

const USAGE = `usage: npx tsx test/bench/coordinator-fleet.ts [--groups 1000] [--idle-voters 1] [--page 50] [--idle-ms 20000] [--no-baseline] [--out dir]

One wrangler dev serving --groups groups: "mymaster" live (3 voters, three redis-servers, three
agents as shipped) and the rest declared with no nodes or agents and --idle-voters voters each (one
local workerd holds every voter in one process: past about 2,000 voter objects it stalls, so 1,000
groups of 3 voters do not run here; on Cloudflare each object is placed on its own). Measures
the group list walked page by page, one long-poll reader on every group's master, cached master
reads of the live group while they wait, one failover of the live group (and, first, the same
failover on a stack serving that group alone, unless --no-baseline), whether the failover touched
any other group's voters or woke its readers, and the live group's idle cost per month from its
voters' counters. Ports: redis 7880-7882, Sentinel 26880-26882, metrics 26890-26892, wrangler 8895.`;

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const GROUP = 'mymaster';
const DOWN_AFTER_MS = 1000;
/** Idle groups whose voters' counters are compared around the failover. */
const SAMPLED_IDLE_GROUPS = 5;
const CACHED_READ_CLIENTS = 50;
const CACHED_READ_MS = 5000;
const LONG_POLL_MS = 60_000;

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);
const ms = (x: number) => `${Math.round(x)} ms`;

async function getJson(url: string, timeoutMs = 30_000): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

interface ListedGroup {
  readonly group: string;
  readonly master: { readonly epoch: number } | null;
}

/** Walks GET /v1/groups page by page: each page's latency, and every group's epoch. */
async function walkGroups(
  url: string,
  pageSize: number,
): Promise<{ pagesMs: number[]; totalMs: number; epochs: Map<string, number> }> {
  const pagesMs: number[] = [];
  const epochs = new Map<string, number>();
  const started = performance.now();
  let after: string | null = null;
  do {
    const pageStarted = performance.now();
    const query: string =
      after === null ? `limit=${pageSize}` : `limit=${pageSize}&after=${encodeURIComponent(after)}`;
    const page = (await getJson(`${url}/v1/groups?${query}`)) as {
      groups: ListedGroup[];
      next: string | null;
    };
    pagesMs.push(performance.now() - pageStarted);
    for (const g of page.groups) epochs.set(g.group, g.master?.epoch ?? -1);
    after = page.next;
  } while (after !== null);
  return { pagesMs, totalMs: performance.now() - started, epochs };
}

interface Reader {
  readonly group: string;
  /** Resolves with when it answered (performance.now()) and the epoch it got; -1 when it failed. */
  readonly answered: Promise<{ atMs: number; epoch: number; status: number }>;
}

function longPoll(url: string, group: string, afterEpoch: number, signal: AbortSignal): Reader {
  const answered = fetch(
    `${url}/v1/groups/${group}/master?waitEpoch=${afterEpoch}&timeoutMs=${LONG_POLL_MS}`,
    {
      signal,
    },
  ).then(
    async (response) => {
      const atMs = performance.now();
      const body = response.status === 200 ? ((await response.json()) as { epoch: number }) : null;
      return { atMs, epoch: body?.epoch ?? -1, status: response.status };
    },
    () => ({ atMs: performance.now(), epoch: -1, status: 0 }),
  );
  return { group, answered };
}

const counterDelta = (a: BilledCounters, b: BilledCounters): BilledCounters =>
  perKey(BILLED_COUNTERS, (f) => b[f] - a[f]);

/** Kills the live group's master redis; until every agent names another, and until the HTTP long-poll does. */
async function failover(
  stack: LocalStack,
  reader: Reader | null,
): Promise<{ agentsMs: number; httpMs: number | null; newMaster: string }> {
  const published = await stack.publishedMaster();
  const old = `${published.host}:${published.port}`;
  const index = stack.nodes.findIndex((n) => n.address === old);
  const started = performance.now();
  await stack.killRedis(index);
  const newMaster = await waitFor(
    'every agent to name a new master',
    60_000,
    async () => {
      const answers = await stack.agentMasters();
      const [a] = answers;
      return a != null && a !== old && answers.every((x) => x === a) ? a : undefined;
    },
    20,
  );
  const agentsMs = performance.now() - started;
  const http = reader === null ? null : await reader.answered;
  return { agentsMs, httpMs: http === null || http.epoch < 0 ? null : http.atMs - started, newMaster };
}

/** The highest VmHWM among the workerd processes beside the one listening on `port` (wrangler dev runs two). */
function workerdPeakRssMb(port: number): number | null {
  const listing = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  const pid = Number(/pid=(\d+)/.exec(listing)?.[1]);
  if (!Number.isInteger(pid)) return null;
  const parent = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  const siblings = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  const peaks = siblings.flatMap((child) => {
    try {
      if (!readFileSync(`/proc/${child}/comm`, 'utf8').startsWith('workerd')) return [];
      return [parseStatus(readFileSync(`/proc/${child}/status`, 'utf8')).peakRssKb];
    } catch {
      return [];
    }
  });
  return peaks.length === 0 ? null : Math.round(Math.max(...peaks) / 1024);
}

async function launch(runDir: string, idleGroups: StackOptions['idleGroups']): Promise<LocalStack> {
  return startStack(
    {
      ...defaultStackOptions(root),
      runDir,
      redisPort: 7880,
      sentinelPort: 26880,
      metricsPort: 26890,
      coordinatorPort: 8895,
      downAfterMs: DOWN_AFTER_MS,
      ...(idleGroups === undefined ? {} : { idleGroups }),
    },
    log,
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      groups: { type: 'string', default: '1000' },
      page: { type: 'string', default: '50' },
      'idle-voters': { type: 'string', default: '1' },
      'idle-ms': { type: 'string', default: '20000' },
      'no-baseline': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const groups = Number(values.groups);
  const pageSize = Number(values.page);
  const idleVoters = Number(values['idle-voters']);
  if (idleVoters !== 1 && idleVoters !== 3 && idleVoters !== 5) throw new Error('--idle-voters: 1, 3 or 5');
  const idleMs = Number(values['idle-ms']);
  const outDir = resolve(values.out ?? join('/tmp', `coordinator-fleet-${Date.now()}`));
  mkdirSync(outDir, { recursive: true });
  let live: LocalStack | null = null;
  const stopLive = async () => {
    const s = live;
    live = null;
    await s?.stop();
  };
  onTerminationSignals(stopLive);
  const rows: [string, string][] = [];
  const row = (name: string, value: string) => {
    rows.push([name, value]);
    log(`${name}: ${value}`);
  };
  try {
    if (values['no-baseline'] !== true) {
      log('baseline: wrangler dev serving the live group alone');
      live = await launch(join(outDir, 'baseline'), undefined);
      await sleep(2 * DOWN_AFTER_MS); // the voters' restart grace, as in the bench
      const alone = await failover(live, null);
      row('failover, 1 group (kill -> every agent names the new master)', ms(alone.agentsMs));
      await stopLive();
    }

    log(`fleet: wrangler dev serving ${groups} groups (${groups - 1} idle, ${idleVoters} voter(s) each)`);
    const startedAt = performance.now();
    live = await launch(join(outDir, 'fleet'), { count: groups - 1, voters: idleVoters });
    const stack: LocalStack = live;
    row(`stack ready with ${groups} groups`, ms(performance.now() - startedAt));
    await sleep(2 * DOWN_AFTER_MS);
    const url = stack.coordinatorUrl;

    const cold = await walkGroups(url, pageSize);
    row(
      `GET /v1/groups, all ${cold.epochs.size} groups in pages of ${pageSize}, first walk (voters woken)`,
      `${ms(cold.totalMs)} (page p50 ${ms(percentile(cold.pagesMs, 0.5))}, slowest ${ms(Math.max(...cold.pagesMs))})`,
    );
    const warm = await walkGroups(url, pageSize);
    row(
      'GET /v1/groups, second walk',
      `${ms(warm.totalMs)} (page p50 ${ms(percentile(warm.pagesMs, 0.5))}, slowest ${ms(Math.max(...warm.pagesMs))})`,
    );
    const unanswered = [...warm.epochs].filter(([, epoch]) => epoch < 0).map(([g]) => g);
    row('groups listed without a master (a majority read failed)', String(unanswered.length));

    // The live group's idle cost: its voters' counters over a window with no reads of ours.
    // The status read that closes the window is ours, not the group's (as in cost-bench.ts).
    const overhead = counterDelta(await readCounters(url, GROUP), await readCounters(url, GROUP));
    const before = await readCounters(url, GROUP);
    const idleStarted = performance.now();
    await sleep(idleMs);
    const after = await readCounters(url, GROUP);
    const spent = counterDelta(before, after);
    const idle: VoterUsage = {
      windowMs: performance.now() - idleStarted,
      voters: after.voters,
      ...perKey(BILLED_COUNTERS, (f) => Math.max(0, spent[f] - overhead[f])),
    };

    const abort = new AbortController();
    const parkStarted = performance.now();
    const readers = [...warm.epochs].map(([group, epoch]) => longPoll(url, group, epoch, abort.signal));
    // Parked means not answered: give them time to reach the voters, until a cached read answers
    // at once again (setting up the waits queues every other request), then none came back early.
    await sleep(1000);
    await waitFor('a cached read to answer within 50 ms', 120_000, async () => {
      const started = performance.now();
      await getJson(`${url}/v1/groups/${GROUP}/master`, 60_000);
      return performance.now() - started < 50 ? true : undefined;
    });
    const early = (
      await Promise.all(
        readers.map((r) => Promise.race([r.answered.then(() => r.group), sleep(0).then(() => null)])),
      )
    ).filter((g) => g !== null);
    row(
      `long-poll readers parked (one per group)`,
      `${readers.length - early.length} of ${readers.length} after ${ms(performance.now() - parkStarted)}`,
    );

    // Through wrangler dev's front door, then at the Worker's own socket (behind that dev proxy).
    const sockets: readonly [string, string][] = [
      [url, "through wrangler dev's proxy"],
      [await stack.workerSocketUrl(), "at the Worker's socket"],
    ];
    for (const [base, how] of sockets) {
      const reads = await httpLookup(
        `${base}/v1/groups/${GROUP}/master`,
        CACHED_READ_MS,
        CACHED_READ_CLIENTS,
      );
      row(
        `cached master reads of ${GROUP}, ${CACHED_READ_CLIENTS} clients, ${groups} readers parked, ${how}`,
        reads.ok
          ? `${Math.round(reads.requestsPerSecond ?? 0)}/s, p50 ${ms(reads.p50Ms ?? 0)}`
          : String(reads.error),
      );
    }
    const statusStarted = performance.now();
    await getJson(`${url}/v1/groups/${GROUP}`);
    row(`GET /v1/groups/${GROUP} with the readers parked`, ms(performance.now() - statusStarted));

    const sampled = Array.from({ length: SAMPLED_IDLE_GROUPS }, (_, i) =>
      idleGroupName(Math.floor((i * (groups - 1)) / SAMPLED_IDLE_GROUPS)),
    );
    // Two reads back to back: what one status read adds to an idle group's counters.
    const base0 = await Promise.all(sampled.map((g) => readCounters(url, g)));
    const base1 = await Promise.all(sampled.map((g) => readCounters(url, g)));
    const liveReader = readers.find((r) => r.group === GROUP) ?? null;
    const fleet = await failover(stack, liveReader);
    row(
      `failover, ${groups} groups, readers parked (kill -> every agent names the new master)`,
      ms(fleet.agentsMs),
    );
    row(
      `  the ${GROUP} long-poll answered the new master`,
      fleet.httpMs === null ? 'never' : ms(fleet.httpMs),
    );
    await sleep(1000);
    const base2 = await Promise.all(sampled.map((g) => readCounters(url, g)));
    const touched = sampled.filter((_, i) => {
      const quiet = counterDelta(base0[i] as BilledCounters, base1[i] as BilledCounters);
      const across = counterDelta(base1[i] as BilledCounters, base2[i] as BilledCounters);
      return BILLED_COUNTERS.some((f) => across[f] !== quiet[f]);
    });
    row(
      `idle groups' voters changed by the failover (of ${sampled.length} sampled: counters beyond one status read)`,
      touched.length === 0 ? '0' : touched.join(', '),
    );
    const woken = (
      await Promise.all(
        readers
          .filter((r) => r.group !== GROUP)
          .map((r) => Promise.race([r.answered.then(() => r.group), sleep(0).then(() => null)])),
      )
    ).filter((g) => g !== null);
    row(`other groups' readers answered during the failover`, String(woken.length));
    abort.abort();
    const peak = workerdPeakRssMb(stack.options.coordinatorPort);
    row(
      'workerd peak RSS (the Worker and every voter in one process)',
      peak === null ? 'unknown' : `${peak} MB`,
    );

    const month = monthlyUsage(idle, { ...idle, ...perKey(BILLED_COUNTERS, () => 0) }, 0);
    row(
      `${GROUP} idle, per month at the rates beyond the included allowances`,
      `$${totalDollars(billLines(month)).toFixed(4)} (${Math.round(idle.windowMs)} ms window, agents connected)`,
    );
  } finally {
    await stopLive();
  }
  console.log('\n| measurement | figure |\n| --- | --- |');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
