// INFO [section ...]: the Server, Clients, Stats, CPU and Sentinel sections (a Sentinel's), in the line format tools parse.
import { arch, release, type } from 'node:os';
import { parseNodeId } from '../../../workers/protocol/index.js';
import type { CommandSpec, ServerContext } from '../command-spec.js';
import { EDGE_SENTINEL_VERSION, REDIS_VERSION } from '../identity.js';
import { bulk } from '../resp.js';
import type { SentinelSnapshot } from '../source.js';

/** A Sentinel's sections, in the order Redis prints them. */
type Section = 'server' | 'clients' | 'stats' | 'cpu' | 'sentinel';
const SECTIONS: readonly Section[] = ['server', 'clients', 'stats', 'cpu', 'sentinel'];

function serverSection(server: ServerContext): string[] {
  const uptimeSeconds = Math.floor((server.nowMs() - server.startedAtMs) / 1000);
  return [
    '# Server',
    `redis_version:${REDIS_VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    'redis_build_id:0',
    'redis_mode:sentinel',
    `os:${type()} ${release()} ${arch()}`,
    'arch_bits:64',
    'multiplexing_api:node',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${server.runId}`,
    `tcp_port:${server.port()}`,
    `server_time_usec:${server.nowMs() * 1000}`,
    `uptime_in_seconds:${uptimeSeconds}`,
    `uptime_in_days:${Math.floor(uptimeSeconds / 86400)}`,
    `edge_sentinel_version:${EDGE_SENTINEL_VERSION}`,
  ];
}

function clientsSection(server: ServerContext): string[] {
  const clients = server.clients();
  const pubsub = clients.filter((c) => c.channels.size + c.patterns.size > 0).length;
  return [
    '# Clients',
    `connected_clients:${clients.length}`,
    `maxclients:${server.maxClients}`,
    'blocked_clients:0',
    `pubsub_clients:${pubsub}`,
  ];
}

/**
 * Sentinel 7.2's `# Stats` fields that this server counts, in Redis's order, with the
 * instantaneous rates over about the last 1.6 s (stats.ts). Left out: everything about keys,
 * replication syncs, forks, defragmentation and tracking, which a Sentinel only prints as zeros.
 * The replication byte counts and rates and sharded channels are truly 0 here.
 */
function statsSection(server: ServerContext): string[] {
  const { stats } = server;
  const nowMs = server.nowMs();
  server.rates.sample(stats, nowMs);
  const rates = server.rates.rates(stats, nowMs);
  const clients = server.clients();
  const channels = new Set(clients.flatMap((c) => [...c.channels]));
  const patterns = new Set(clients.flatMap((c) => [...c.patterns]));
  return [
    '# Stats',
    `total_connections_received:${stats.connectionsReceived}`,
    `total_commands_processed:${stats.commandsProcessed}`,
    `instantaneous_ops_per_sec:${rates.opsPerSec}`,
    `total_net_input_bytes:${stats.netInputBytes}`,
    `total_net_output_bytes:${stats.netOutputBytes}`,
    'total_net_repl_input_bytes:0',
    'total_net_repl_output_bytes:0',
    `instantaneous_input_kbps:${rates.inputKbps.toFixed(2)}`,
    `instantaneous_output_kbps:${rates.outputKbps.toFixed(2)}`,
    'instantaneous_input_repl_kbps:0.00',
    'instantaneous_output_repl_kbps:0.00',
    `rejected_connections:${stats.rejectedConnections}`,
    `pubsub_channels:${channels.size}`,
    `pubsub_patterns:${patterns.size}`,
    'pubsubshard_channels:0',
    'unexpected_error_replies:0',
    `total_error_replies:${stats.errorReplies}`,
  ];
}

/** Seconds with six decimals, as Redis prints a `struct timeval`. */
function seconds(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

/**
 * The agent process's CPU time (`process.cpuUsage()`). The agent starts no child processes, so
 * the children's times are 0; the main-thread lines are left out, as Redis does where it cannot
 * measure one thread (Node 20 has no per-thread CPU time).
 */
function cpuSection(): string[] {
  const { system, user } = process.cpuUsage();
  return [
    '# CPU',
    `used_cpu_sys:${seconds(system)}`,
    `used_cpu_user:${seconds(user)}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
  ];
}

/** `status` is this agent's own view: `sdown` when it sees the master down (it cannot know ODOWN). */
export function sentinelSection(snapshot: SentinelSnapshot): string[] {
  return [
    '# Sentinel',
    `sentinel_masters:${snapshot.groups.length}`,
    'sentinel_tilt:0',
    'sentinel_tilt_since_seconds:-1',
    'sentinel_running_scripts:0',
    'sentinel_scripts_queue_length:0',
    'sentinel_simulate_failure_flags:0',
    ...snapshot.groups.map((g, i) => {
      const { host, port } = parseNodeId(g.master.node);
      const status = g.master.view?.sdown === true ? 'sdown' : 'ok';
      return `master${i}:name=${g.name},status=${status},address=${host}:${port},slaves=${g.replicas.length},sentinels=${g.sentinels.length + 1}`;
    }),
  ];
}

/** The sections asked for, in Redis order; `default`, `all` and `everything` mean all of them. */
export function selectSections(args: readonly string[]): Section[] {
  const asked = args.slice(1).map((a) => a.toLowerCase());
  if (asked.length === 0 || asked.some((a) => a === 'default' || a === 'all' || a === 'everything')) {
    return [...SECTIONS];
  }
  return SECTIONS.filter((s) => asked.includes(s));
}

export const info: CommandSpec = {
  name: 'info',
  arity: -1,
  docs: {
    summary: 'Returns information and statistics about the server.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(1)',
    history: [['7.0.0', 'Added support for taking multiple section arguments.']],
    arguments: [{ name: 'section', type: 'string', flags: ['optional', 'multiple'] }],
  },
  flags: ['loading', 'stale', 'sentinel'],
  run({ args, server }) {
    const sections = selectSections(args).map((section) => {
      switch (section) {
        case 'server':
          return serverSection(server);
        case 'clients':
          return clientsSection(server);
        case 'stats':
          return statsSection(server);
        case 'cpu':
          return cpuSection();
        case 'sentinel':
          return sentinelSection(server.source.snapshot());
        default: {
          const unreachable: never = section;
          throw new Error(`unknown INFO section ${String(unreachable)}`);
        }
      }
    });
    // Each section ends with CRLF and sections are separated by an empty line, as in Redis.
    return bulk(sections.map((lines) => `${lines.join('\r\n')}\r\n`).join('\r\n'));
  },
};
