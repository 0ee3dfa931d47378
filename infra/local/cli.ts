// `npm run demo [-- --scenario failover] [stack flags]`: starts the local stack and prints a live timeline.
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failoverReportLines } from './failover-report.js';
import { runFailoverScenario } from './failover-scenario.js';
import { localGroups } from './local-groups.js';
import { parseStackFlags, STACK_FLAGS_USAGE, type StackOptions } from './options.js';
import { onTerminationSignals } from './process-group.js';
import { type LocalStack, startStack } from './stack.js';
import { Timeline } from './timeline.js';
import { followVoterEvents } from './voter-event-feed.js';

const USAGE = `usage: npm run demo -- [--scenario failover] [stack flags]

Starts wrangler dev (voters + HTTP API), redis-servers and one agent per node on loopback, prints
the endpoints, then every event of the group as it happens, until Ctrl-C.
  --scenario failover   write continuously, SIGKILL the master, measure the failover, restart the
                        old master empty, show it rejoin as a replica, count lost writes, exit
${STACK_FLAGS_USAGE}`;

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Late events (+slave-reconf-done, -sdown of the restarted node) still belong on the timeline. */
const LATE_EVENTS_MS = 1500;

export async function main(argv: readonly string[]): Promise<number> {
  const args = argv[0] === 'demo' ? argv.slice(1) : argv;
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const parsed = parseStackFlags(args, root, { scenario: { type: 'string' } });
  if (!parsed.ok) {
    console.error(`demo: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const scenario = parsed.rest.scenario;
  if (scenario !== undefined && scenario !== 'failover') {
    console.error(`demo: --scenario: only "failover" exists, got ${JSON.stringify(scenario)}`);
    return 2;
  }
  return runDemo(parsed.options, { failoverScenario: scenario === 'failover' });
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
