// `npm run demo [-- --scenario failover] [stack flags]`: starts the local stack and prints a live timeline.
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failoverReportLines } from './failover-report.js';
import { runFailoverScenario } from './failover-scenario.js';
import { localGroups } from './local-groups.js';
import { parseStackFlags, STACK_FLAGS_USAGE, type StackOptions } from './options.js';
import { onTerminationSignals } from './process-group.js';
import { runReaper, startReaper } from './reaper.js';
import { defaultRunDir } from './run-dir.js';
import { type LocalStack, startStack } from './stack.js';
import { readRecordedGroups, runDirsWithLiveGroups, stopRecordedStack } from './stack-registry.js';
import { Timeline } from './timeline.js';
import { followVoterEvents } from './voter-event-feed.js';

const USAGE = `usage: npm run demo -- [--scenario failover] [stack flags]
       npm run demo -- --stop [--run-dir <dir>]

Starts wrangler dev (voters + HTTP API), redis-servers and one agent per node on loopback, prints
the endpoints, then every event of the group as it happens, until Ctrl-C.
Ctrl-C stops everything it started: agents, redis-servers, then wrangler, each SIGTERM first and
SIGKILL to its process group when it takes too long; a second Ctrl-C kills everything at once.
  --scenario failover   write continuously, SIGKILL the master, measure the failover, restart the
                        old master empty, show it rejoin as a replica, count lost writes, exit
  --stop                stop a stack left running by a launcher that was killed: every run under
                        .local-state (or only --run-dir's) whose recorded processes still run
  -h, --help            this text
${STACK_FLAGS_USAGE}`;

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Late events (+slave-reconf-done, -sdown of the restarted node) still belong on the timeline. */
const LATE_EVENTS_MS = 1500;

const CLI_PATH = fileURLToPath(import.meta.url);

export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '__reap' && argv[1] !== undefined) return runReaper(argv[1]);
  const args = argv[0] === 'demo' ? argv.slice(1) : argv;
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const parsed = parseStackFlags(args, root, { scenario: { type: 'string' }, stop: { type: 'boolean' } });
  if (!parsed.ok) {
    console.error(`demo: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.rest.stop === true) {
    if (parsed.rest.scenario !== undefined) {
      console.error(`demo: --stop and --scenario do not go together\n\n${USAGE}`);
      return 2;
    }
    return stopLeftovers(parsed.options.runDir);
  }
  const scenario = parsed.rest.scenario;
  if (scenario !== undefined && scenario !== 'failover') {
    console.error(`demo: --scenario: only "failover" exists, got ${JSON.stringify(scenario)}`);
    return 2;
  }
  // The run dir is fixed here so that the reaper can watch it before anything starts.
  const runDir = resolve(parsed.options.runDir ?? defaultRunDir(root));
  return runDemo({ ...parsed.options, runDir }, { failoverScenario: scenario === 'failover' });
}

/** `--stop`: stops what a killed launcher left running, from the run dirs' records. */
async function stopLeftovers(runDirFlag: string | undefined): Promise<number> {
  const dirs = runDirFlag === undefined ? runDirsWithLiveGroups(root) : [resolve(runDirFlag)];
  if (runDirFlag !== undefined && readRecordedGroups(dirs[0] as string).length === 0) {
    console.error(`demo --stop: ${runDirFlag} records no process of a local stack`);
    return 1;
  }
  let left = 0;
  let stopped = 0;
  for (const dir of dirs) {
    const result = await stopRecordedStack(dir, {
      log: (line) => console.log(`${relative(process.cwd(), dir)}: ${line}`),
    });
    stopped += result.stopped.length;
    left += result.left.length;
    if (result.left.length > 0)
      console.error(`${relative(process.cwd(), dir)}: STILL RUNNING: ${result.left.join(', ')}`);
  }
  console.log(
    stopped === 0
      ? 'demo --stop: nothing of a local stack was running'
      : `demo --stop: stopped ${stopped} process group(s)`,
  );
  return left === 0 ? 0 : 1;
}

/** Starts the stack, shows its endpoints and the voters' events, then runs the scenario or waits for Ctrl-C. */
async function runDemo(
  options: StackOptions,
  { failoverScenario }: { readonly failoverScenario: boolean },
): Promise<number> {
  const timeline = new Timeline();
  let stack: LocalStack | null = null;
  let stopFollowing: () => Promise<void> = async () => {};
  const shutdown = async () => {
    await stopFollowing();
    if (stack !== null) timeline.note('stopping the stack');
    await stack?.stop();
  };
  onTerminationSignals(shutdown);
  if (options.runDir !== undefined) {
    mkdirSync(join(options.runDir, 'logs'), { recursive: true });
    // Stops the stack if this process is killed before it could (tsx's 30 ms SIGKILL, kill -9).
    startReaper(options.runDir, CLI_PATH);
  }
  try {
    stack = await startStack(options, (line) => timeline.note(line));
  } catch (error) {
    console.error(
      `demo: the local stack did not start:\n${error instanceof Error ? error.message : String(error)}`,
    );
    await shutdown();
    return 1;
  }
  printEndpoints(stack, timeline);
  const feed = followVoterEvents(stack, timeline);
  stopFollowing = () => feed.stop();
  if (!failoverScenario) {
    timeline.note('running; Ctrl-C stops everything');
    await new Promise<never>(() => {});
  }
  const report = await runFailoverScenario(stack, timeline);
  await new Promise((r) => setTimeout(r, LATE_EVENTS_MS));
  await shutdown();
  timeline.plain('');
  for (const line of failoverReportLines(report)) timeline.plain(line);
  timeline.plain(`  logs: ${relative(process.cwd(), stack.runDir)}/logs`);
  return report.ok ? 0 : 1;
}

function printEndpoints(stack: LocalStack, timeline: Timeline): void {
  const { group } = stack.options;
  const g = localGroups(stack.options)[group] as { quorum: number };
  const url = stack.coordinatorUrl;
  const p = (label: string, value: string) => timeline.plain(`  ${label.padEnd(16)} ${value}`);
  timeline.plain('');
  timeline.plain(`edge-sentinel local stack, group "${group}"`);
  p('HTTP API', url);
  p('master endpoint', `${url}/v1/groups/${group}/master   (long-poll: ?waitEpoch=<epoch>&timeoutMs=30000)`);
  p('events (SSE)', `curl -N -H 'Accept: text/event-stream' ${url}/v1/groups/${group}/events`);
  p('Sentinel ports', `${stack.sentinels.map((s) => `${s.host}:${s.port}`).join('  ')}`);
  p('', `redis-cli -p ${stack.sentinels[0]?.port} SENTINEL get-master-addr-by-name ${group}`);
  p('redis nodes', stack.nodes.map((n, i) => `${n.address}${i === 0 ? ' (master)' : ''}`).join('  '));
  p('admin token', `${stack.adminToken}   (this run only)`);
  p('', `curl -X POST -H 'Authorization: Bearer <admin token>' ${url}/v1/groups/${group}/switchover`);
  p(
    'group',
    `${stack.options.voters} voter(s), quorum ${g.quorum}, down-after ${stack.options.downAfterMs} ms, ` +
      `fencing ${stack.options.fencing ? 'on' : 'off'}`,
  );
  p('logs', `${relative(process.cwd(), stack.runDir)}/logs`);
  timeline.plain('');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
  // Nothing may keep the process up after the stack has stopped (sockets of the writer, timers).
  process.exit();
}
