// The summary of a bench run: one row per figure, both systems side by side and their ratio, and the issue's goals (pure).

import { AGENT_NODE_FLAGS } from '../../infra/agent/node-flags.mjs';
import {
  type AgentRunner,
  type BenchResults,
  type FailoverRun,
  type FootprintResult,
  type LookupTarget,
  MILESTONES,
  type OutageScenario,
  type PartitionScenario,
  type ProcessFootprint,
  type SystemKind,
} from './results.js';
import { distribution, mean, ratio } from './stats.js';

export type Unit = 'ms' | 'writes' | 'MB' | '%' | 'req/s' | '$' | 'runs';

export interface SummaryRow {
  readonly section: string;
  readonly measurement: string;
  readonly unit: Unit;
  readonly ours: number | null;
  readonly sentinel: number | null;
  /** ours / Sentinel; null when either is missing or Sentinel's is 0. */
  readonly ratio: number | null;
}

export interface Goal {
  readonly goal: string;
  readonly value: string;
  /** null: not measured in this run. */
  readonly met: boolean | null;
}

const row = (
  section: string,
  measurement: string,
  unit: Unit,
  ours: number | null,
  sentinel: number | null,
): SummaryRow => ({ section, measurement, unit, ours, sentinel, ratio: ratio(ours, sentinel) });

const runsOf = (r: BenchResults, system: SystemKind, downAfterMs: number) =>
  r.failover.filter((x) => x.system === system && x.downAfterMs === downAfterMs);

const values = (runs: readonly FailoverRun[], pick: (run: FailoverRun) => number | null): number[] =>
  runs.flatMap((run) => {
    const v = pick(run);
    return v === null ? [] : [v];
  });

function failoverRows(r: BenchResults, downAfterMs: number): SummaryRow[] {
  const section = `Unplanned failover (SIGKILL of the master), down-after ${downAfterMs} ms`;
  const ours = runsOf(r, 'ours', downAfterMs);
  const theirs = runsOf(r, 'sentinel', downAfterMs);
  const runsWhere = (measurement: string, pick: (run: FailoverRun) => boolean) =>
    row(section, measurement, 'runs', ours.filter(pick).length, theirs.filter(pick).length);
  const rows: SummaryRow[] = [
    runsWhere('runs that failed over', (x) => x.ok),
    runsWhere('runs followed by a second, unasked failover (flapping)', (x) => x.flapped),
  ];
  const metrics: [string, (run: FailoverRun) => number | null][] = [
    ['new master visible (HTTP endpoint / get-master-addr-by-name)', (x) => x.visibleMs],
    ['excess over down-after', (x) => (x.visibleMs === null ? null : x.visibleMs - downAfterMs)],
    ['first acknowledged write on the new master', (x) => x.firstWriteMs],
    ['all three Sentinel-protocol endpoints agree', (x) => x.allEndpointsMs],
  ];
  for (const [name, pick] of metrics) {
    const a = distribution(values(ours, pick));
    const b = distribution(values(theirs, pick));
    for (const q of ['p50', 'p90', 'max'] as const) {
      rows.push(row(section, `${name}, ${q}`, 'ms', a?.[q] ?? null, b?.[q] ?? null));
    }
  }
  for (const milestone of MILESTONES) {
    const a = distribution(values(ours, (x) => x.milestonesMs[milestone] ?? null));
    const b = distribution(values(theirs, (x) => x.milestonesMs[milestone] ?? null));
    rows.push(
      row(
        section,
        `${milestone} after the kill, p50 (first monitor to report it)`,
        'ms',
        a?.p50 ?? null,
        b?.p50 ?? null,
      ),
    );
  }
  rows.push(
    row(
      section,
      'acknowledged writes lost, all runs (replication lag at the crash)',
      'writes',
      ours.reduce((s, x) => s + x.lost, 0),
      theirs.reduce((s, x) => s + x.lost, 0),
    ),
  );
  return rows;
}

/** Pairs compared: ours with fencing against Sentinel's best guard, and each without. */
const PARTITION_PAIRS: readonly [PartitionScenario, PartitionScenario, string][] = [
  ['fencing-on', 'min-replicas-1', 'fencing on vs min-replicas-to-write 1'],
  ['fencing-on', 'plain', 'fencing on vs Sentinel defaults'],
  ['fencing-off', 'plain', 'fencing off vs Sentinel defaults'],
];

function partitionRows(r: BenchResults): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const [ourScenario, theirScenario, label] of PARTITION_PAIRS) {
    const a = r.partition.find((x) => x.system === 'ours' && x.scenario === ourScenario && x.ok);
    const b = r.partition.find((x) => x.system === 'sentinel' && x.scenario === theirScenario && x.ok);
    if (a === undefined || b === undefined) continue;
    const section = `Master isolated for ${Math.round(a.holdMs / 1000)} s under writes (${label})`;
    rows.push(
      row(section, 'acknowledged writes lost after healing', 'writes', a.lost, b.lost),
      row(
        section,
        '  of them acknowledged before the new master was visible',
        'writes',
        a.lost - a.lostAfterFailover,
        b.lost - b.lostAfterFailover,
      ),
      row(
        section,
        '  of them acknowledged after it (two masters at once)',
        'writes',
        a.lostAfterFailover,
        b.lostAfterFailover,
      ),
      row(
        section,
        'writes acknowledged by the old master after the failover',
        'writes',
        a.insideAckedAfterFailover,
        b.insideAckedAfterFailover,
      ),
      row(section, 'new master visible after the isolation', 'ms', a.failoverMs, b.failoverMs),
    );
  }
  return rows;
}

const OUTAGE_LABEL: Readonly<Record<Exclude<OutageScenario, 'nothing-cut'>, string>> = {
  'failsafe-off': 'failsafe off, before',
  'failsafe-on': 'failsafe on, after',
};

/** Ours with the failsafe off, then on, each against Sentinel's writer in the same window (nothing to cut). */
function outageRows(r: BenchResults): SummaryRow[] {
  const theirs = r.outage.find((x) => x.system === 'sentinel' && x.ok);
  const rows: SummaryRow[] = [];
  for (const scenario of ['failsafe-off', 'failsafe-on'] as const) {
    const a = r.outage.find((x) => x.system === 'ours' && x.scenario === scenario && x.ok);
    if (a === undefined) continue;
    const section =
      `Voters unreachable from every agent for ${Math.round(a.outageMs / 1000)} s under writes ` +
      `(${OUTAGE_LABEL[scenario]}; Sentinel has no coordinator: nothing cut, same writer and window)`;
    rows.push(
      row(section, 'writes acknowledged during the outage', 'writes', a.acked, theirs?.acked ?? null),
      row(
        section,
        'writes refused (client errors), from the cut until healthy again',
        'writes',
        a.refused,
        theirs?.refused ?? null,
      ),
      row(section, 'longest write pause', 'ms', a.longestPauseMs, theirs?.longestPauseMs ?? null),
      row(
        section,
        'failovers (published master or epoch changed)',
        'runs',
        a.failedOver ? 1 : 0,
        theirs === undefined ? null : theirs.failedOver ? 1 : 0,
      ),
    );
  }
  return rows;
}

function switchoverRows(r: BenchResults): SummaryRow[] {
  const a = r.switchover.find((x) => x.system === 'ours' && x.ok);
  const b = r.switchover.find((x) => x.system === 'sentinel' && x.ok);
  if (a === undefined && b === undefined) return [];
  const section = 'Planned switchover under writes (ours: POST /switchover; Sentinel: SENTINEL FAILOVER)';
  return [
    row(section, 'acknowledged writes lost', 'writes', a?.lost ?? null, b?.lost ?? null),
    row(section, 'longest write pause', 'ms', a?.longestPauseMs ?? null, b?.longestPauseMs ?? null),
    row(section, 'new master visible after the request', 'ms', a?.switchMs ?? null, b?.switchMs ?? null),
  ];
}

type Usage = Pick<ProcessFootprint, 'rssMb' | 'cpuPercent'>;

/**
 * What runs on one box to monitor it: ours as shipped, an agent and its dead-man supervisor
 * (summed); an agent without one (tsx), or a redis-sentinel, alone.
 */
export function perBox(f: FootprintResult): Usage[] {
  return f.processes.map((p, i) => {
    const supervisor = f.supervisors[i];
    return supervisor === undefined
      ? { rssMb: p.rssMb, cpuPercent: p.cpuPercent }
      : { rssMb: p.rssMb + supervisor.rssMb, cpuPercent: p.cpuPercent + supervisor.cpuPercent };
  });
}

const meanOf = (usage: readonly Usage[] | undefined, pick: (u: Usage) => number) =>
  usage === undefined || usage.length === 0 ? null : mean(usage.map(pick));

const RUNNER_LABEL: Record<AgentRunner, string> = {
  bundle: `agent as shipped: the agent and its dead-man supervisor, esbuild bundles, node ${AGENT_NODE_FLAGS.join(' ')}`,
  tsx: 'agent from source through tsx, no supervisor, development only',
};

/** The footprint rows measured per group count: as shipped, from source, and beside a replica. */
const FOOTPRINT_VARIANTS = [
  { runner: 'bundle', besideReplica: false },
  { runner: 'tsx', besideReplica: false },
  { runner: 'bundle', besideReplica: true },
] as const;

function footprintRows(r: BenchResults): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const groups = [...new Set(r.footprint.map((f) => f.groups))].sort((x, y) => x - y);
  for (const g of groups) {
    const found = r.footprint.find((f) => f.system === 'sentinel' && f.groups === g && f.ok);
    const theirs = found === undefined ? undefined : perBox(found);
    const oursOf = (runner: AgentRunner, besideReplica: boolean) =>
      r.footprint.find(
        (f) =>
          f.system === 'ours' &&
          f.groups === g &&
          f.runner === runner &&
          f.ok &&
          (f.besideReplica === true) === besideReplica,
      );
    for (const { runner, besideReplica } of FOOTPRINT_VARIANTS) {
      const ours = oursOf(runner, besideReplica);
      if (ours === undefined) continue;
      const voters = ours.standInVoters === true ? '; voters: stand-ins in the bench process' : '';
      const where =
        g === 1 ? '' : besideReplica ? ', beside a replica of every group' : ", beside every group's master";
      const section = `Footprint of one box's monitoring processes, idle, 3 nodes, ${g} group${g === 1 ? '' : 's'}${where} (${RUNNER_LABEL[runner]}${voters}; Sentinel: one redis-sentinel)`;
      const box = perBox(ours);
      rows.push(
        row(
          section,
          'RSS (mean per box)',
          'MB',
          meanOf(box, (u) => u.rssMb),
          meanOf(theirs, (u) => u.rssMb),
        ),
        row(
          section,
          'CPU (mean per box, % of one core)',
          '%',
          meanOf(box, (u) => u.cpuPercent),
          meanOf(theirs, (u) => u.cpuPercent),
        ),
      );
      if (ours.supervisors.length > 0) {
        rows.push(
          row(
            section,
            '  of it the dead-man supervisor alone, RSS',
            'MB',
            meanOf(ours.supervisors, (u) => u.rssMb),
            null,
          ),
          row(
            section,
            '  of it the dead-man supervisor alone, CPU',
            '%',
            meanOf(ours.supervisors, (u) => u.cpuPercent),
            null,
          ),
        );
      }
      const masters = oursOf('bundle', false);
      if (besideReplica && masters !== undefined) {
        // A group's master is on one box of three: spread evenly, each box is beside the master of
        // a third of its groups and beside a replica of the rest.
        const spread = (a: number | null, b: number | null) =>
          a === null || b === null ? null : (a + 2 * b) / 3;
        rows.push(
          row(
            section,
            'CPU per box with the masters spread evenly over the boxes ((beside masters + 2 x beside replicas) / 3)',
            '%',
            spread(
              meanOf(perBox(masters), (u) => u.cpuPercent),
              meanOf(box, (u) => u.cpuPercent),
            ),
            meanOf(theirs, (u) => u.cpuPercent),
          ),
        );
      }
    }
  }
  return rows;
}

function lookupRows(r: BenchResults): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const redisProtocol = r.lookup.filter((x) => x.target === 'agent' || x.target === 'sentinel');
  const pipelines = [...new Set(redisProtocol.map((x) => x.pipeline ?? 1))];
  for (const pipeline of pipelines.sort((a, b) => a - b)) {
    const find = (target: 'agent' | 'sentinel') =>
      r.lookup.find((x) => x.target === target && x.ok && (x.pipeline ?? 1) === pipeline);
    const agent = find('agent');
    const sentinel = find('sentinel');
    if (agent === undefined && sentinel === undefined) continue;
    const n = agent?.requests ?? sentinel?.requests ?? 0;
    const flags = `-n ${n} -c ${agent?.concurrency ?? 50}${pipeline === 1 ? '' : ` -P ${pipeline}`}`;
    const section = `Lookup throughput (redis-benchmark ${flags} SENTINEL get-master-addr-by-name)`;
    rows.push(
      row(
        section,
        'requests per second',
        'req/s',
        agent?.requestsPerSecond ?? null,
        sentinel?.requestsPerSecond ?? null,
      ),
    );
    rows.push(row(section, 'p50 latency', 'ms', agent?.p50Ms ?? null, sentinel?.p50Ms ?? null));
  }
  const httpReads: readonly [LookupTarget, string][] = [
    ['http', "through wrangler dev's local proxy"],
    ['http-worker', "at the Worker's own workerd socket (no dev proxy)"],
    ['http-majority', "?consistency=majority (every read asks the voters), at the Worker's socket"],
  ];
  for (const [target, how] of httpReads) {
    const http = r.lookup.find((x) => x.target === target && x.ok);
    if (http === undefined) continue;
    const section = `HTTP master reads, ${http.concurrency} concurrent clients, local workerd (no Sentinel equivalent)`;
    rows.push(row(section, `reads per second, ${how}`, 'req/s', http.requestsPerSecond, null));
    rows.push(row(section, `p50 latency, ${how}`, 'ms', http.p50Ms, null));
  }
  return rows;
}

function costRows(r: BenchResults): SummaryRow[] {
  const c = r.cost;
  if (c === null || !c.ok) return [];
  const section = `Cloudflare cost per group (marginal, beyond the plan's included usage; ${c.assumedFailoversPerMonth} failover/month)`;
  return [
    row(section, 'per group-month', '$', c.monthlyDollars, null),
    row(section, 'per failover', '$', c.failoverDollars, null),
    row(section, 'per million HTTP master reads', '$', c.dollarsPerMillionMasterReads, null),
  ];
}

export function summaryRows(r: BenchResults): SummaryRow[] {
  return [
    ...r.downAfterMs.flatMap((d) => failoverRows(r, d)),
    ...partitionRows(r),
    ...outageRows(r),
    ...switchoverRows(r),
    ...footprintRows(r),
    ...lookupRows(r),
    ...costRows(r),
  ];
}

const MAX_EXCESS_RATIO = 0.25;
const MAX_AGENT_RSS_MB = 80;

export function goals(r: BenchResults): Goal[] {
  const out: Goal[] = [];
  for (const d of r.downAfterMs) {
    const a = distribution(
      values(runsOf(r, 'ours', d), (x) => (x.visibleMs === null ? null : x.visibleMs - d)),
    );
    const b = distribution(
      values(runsOf(r, 'sentinel', d), (x) => (x.visibleMs === null ? null : x.visibleMs - d)),
    );
    const q = ratio(a?.p50 ?? null, b?.p50 ?? null);
    out.push({
      goal: `failover excess over down-after (p50) at most ${MAX_EXCESS_RATIO} of Sentinel's, down-after ${d} ms`,
      value:
        q === null
          ? 'not measured'
          : `${q.toFixed(2)} (${Math.round(a?.p50 ?? 0)} ms vs ${Math.round(b?.p50 ?? 0)} ms)`,
      met: q === null ? null : q <= MAX_EXCESS_RATIO,
    });
  }
  const fenced = r.partition.find((x) => x.system === 'ours' && x.scenario === 'fencing-on' && x.ok);
  out.push({
    goal: '0 acknowledged writes lost with fencing (master isolated)',
    value: fenced === undefined ? 'not measured' : `${fenced.lost} lost of ${fenced.acked}`,
    met: fenced === undefined ? null : fenced.lost === 0,
  });
  const switched = r.switchover.find((x) => x.system === 'ours' && x.ok);
  out.push({
    goal: '0 acknowledged writes lost on switchover',
    value: switched === undefined ? 'not measured' : `${switched.lost} lost of ${switched.acked}`,
    met: switched === undefined ? null : switched.lost === 0,
  });
  const idle = r.footprint.find(
    (f) => f.system === 'ours' && f.groups === 1 && f.runner === 'bundle' && f.ok && f.besideReplica !== true,
  );
  // The goal was set for the agent process; the box's figure with its supervisor is shown beside it.
  const rss = idle === undefined ? null : Math.max(...idle.processes.map((p) => p.rssMb));
  const box =
    idle === undefined || idle.supervisors.length === 0
      ? null
      : Math.max(...perBox(idle).map((u) => u.rssMb));
  out.push({
    goal: `agent RSS at most ${MAX_AGENT_RSS_MB} MB (idle, 1 group, as shipped: the bundle with its V8 flags; the agent process, its supervisor apart)`,
    value:
      rss === null
        ? 'not measured'
        : `${rss.toFixed(1)} MB (largest of 3)${box === null ? '' : `; with its supervisor ${box.toFixed(1)} MB per box`}`,
    met: rss === null ? null : rss <= MAX_AGENT_RSS_MB,
  });
  out.push(...scaleGoals(r), httpReadGoal(r));
  return out;
}

/** Issue 13: one group's readers are served by the Worker's copy, not by its voters' throughput. */
const MIN_HTTP_READS_PER_S = 5000;
const MAX_HTTP_READ_P50_MS = 10;

function httpReadGoal(r: BenchResults): Goal {
  const reads = r.lookup.find((x) => x.target === 'http-worker' && x.ok);
  const rps = reads?.requestsPerSecond ?? null;
  const p50 = reads?.p50Ms ?? null;
  return {
    goal: `HTTP master reads of one group at least ${MIN_HTTP_READS_PER_S}/s at ${reads?.concurrency ?? 50} concurrent clients with p50 at most ${MAX_HTTP_READ_P50_MS} ms (the Worker in local workerd, behind no dev proxy)`,
    value: rps === null || p50 === null ? 'not measured' : `${Math.round(rps)}/s, p50 ${p50.toFixed(1)} ms`,
    met: rps === null || p50 === null ? null : rps >= MIN_HTTP_READS_PER_S && p50 <= MAX_HTTP_READ_P50_MS,
  };
}

/** Issue 13: at 100 groups (probed ten times as often as Sentinel probes) the agent costs at most 3 Sentinels. */
const SCALE_GROUPS = 100;
const MAX_SCALE_CPU_RATIO = 3;
const MAX_SCALE_RSS_MB = 90;

function scaleGoals(r: BenchResults): Goal[] {
  const find = (system: 'ours' | 'sentinel') =>
    r.footprint.find(
      (f) =>
        f.system === system &&
        f.groups === SCALE_GROUPS &&
        f.ok &&
        f.besideReplica !== true &&
        (system === 'sentinel' || f.runner === 'bundle'),
    );
  const ours = find('ours');
  const theirs = find('sentinel');
  const cpu = ours === undefined ? null : mean(ours.processes.map((p) => p.cpuPercent));
  const sentinelCpu = theirs === undefined ? null : mean(theirs.processes.map((p) => p.cpuPercent));
  const cpuRatio = ratio(cpu, sentinelCpu);
  const rss = ours === undefined ? null : Math.max(...ours.processes.map((p) => p.rssMb));
  return [
    {
      goal: `agent CPU at ${SCALE_GROUPS} groups at most ${MAX_SCALE_CPU_RATIO} x redis-sentinel's at ${SCALE_GROUPS} masters (the agent process; it probes every 100 ms, Sentinel every 1000 ms)`,
      value:
        cpuRatio === null || cpu === null || sentinelCpu === null
          ? 'not measured'
          : `${cpu.toFixed(1)} % vs ${sentinelCpu.toFixed(1)} % of a core: ${cpuRatio.toFixed(1)} x`,
      met: cpuRatio === null ? null : cpuRatio <= MAX_SCALE_CPU_RATIO,
    },
    {
      goal: `agent RSS at most ${MAX_SCALE_RSS_MB} MB at ${SCALE_GROUPS} groups (as shipped; the agent process)`,
      value: rss === null ? 'not measured' : `${rss.toFixed(1)} MB`,
      met: rss === null ? null : rss <= MAX_SCALE_RSS_MB,
    },
  ];
}
