// Every command line answers --help with its usage (exit 0) and a usage error with one line plus the usage (exit 2), never a stack trace.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../infra/cli/main.js';

function run(command: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true', AGENT_SECRET: '' };
  return spawnSync('npx', [command, ...args], { encoding: 'utf8', env, timeout: 60_000 });
}

const sim = (args: string[]) => run('tsx', ['test/sim/cli.ts', ...args]);
const cli = (args: string[]) => run('edge-sentinel', args);

/** The CLI in this process (same code as the bin, without npx's start-up per case). */
async function inProcess(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (l: string) => void out.push(l),
    err: (l: string) => void err.push(l),
    interactive: false,
    ask: async () => '',
  };
  const status = await main(args, { AGENT_SECRET: '' }, io, new AbortController().signal);
  return { status, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('npm run sim', () => {
  it.each([['--help'], ['-h']])('%s prints every option and exits 0', (flag) => {
    const result = sim([flag]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run sim/);
    for (const option of ['--seeds', '--start', '--seed', '--trace', '--voters', '--no-validate', '--help']) {
      expect(result.stdout).toContain(option);
    }
  });

  it('an unknown option is one line and the usage, exit 2, no stack trace', () => {
    const result = sim(['--bogus']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toMatch(/^sim: Unknown option '--bogus'/);
    expect(result.stderr).toContain('usage: npm run sim');
    expect(result.stderr).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
  });
});

const COMMANDS = [
  'status',
  'groups',
  'failover',
  'switchover',
  'pause',
  'resume',
  'reset',
  'events',
  'history',
  'wait-master',
  'token',
  'check-config',
  'agent',
];

describe('npx edge-sentinel', () => {
  it('--help lists every command, the exit codes and the environment variables', () => {
    const result = cli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: edge-sentinel \[options\] \[command\]/);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toContain('Exit codes: 0 ok, 1 refused or failed');
    for (const name of ['EDGE_SENTINEL_URL', 'EDGE_SENTINEL_ADMIN_TOKEN', 'EDGE_SENTINEL_READ_TOKEN']) {
      expect(result.stdout).toContain(name);
    }
  });

  it('no command prints the usage on stderr and exits 2', async () => {
    const result = await inProcess([]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: edge-sentinel \[options\] \[command\]/);
  });

  it.each(COMMANDS.filter((c) => c !== 'agent'))(
    '%s --help prints its usage and exits 0',
    async (command) => {
      const result = await inProcess([command, '--help']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: edge-sentinel ${command} `));
    },
  );

  it.each([[['check-config', '--help']], [['help', 'check-config']]])(
    '%j prints the check-config usage and exits 0',
    async (args) => {
      const result = await inProcess(args);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Usage: edge-sentinel check-config \[options\] \[file\]/);
      expect(result.stdout).toContain('--env <name>');
    },
  );

  it('check-config validates the repository wrangler.toml', async () => {
    const result = await inProcess(['check-config']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('wrangler.toml is valid');
  });

  it.each([[['token', '--help']], [['token', '-h']], [['help', 'token']]])(
    '%j prints the token usage and exits 0',
    async (args) => {
      const result = await inProcess(args);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Usage: edge-sentinel token \[options\]/);
      expect(result.stdout).toContain('--agent <id>');
      expect(result.stdout).toContain('AGENT_SECRET');
    },
  );

  it('agent without --config: one line and its usage, exit 2', () => {
    const result = cli(['agent']);
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('edge-sentinel-agent: --config is required');
    expect(result.stderr).toContain('usage: edge-sentinel-agent');
  });

  it('agent --help prints the agent usage and exits 0', () => {
    const result = cli(['agent', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--config <file>');
    expect(result.stdout).toContain('--check');
  });

  it.each([
    [
      ['token'],
      "edge-sentinel token: required option '--agent <id>' not specified",
      'Usage: edge-sentinel token',
    ],
    [
      ['token', '--agent', 'a'],
      "edge-sentinel token: required option '--group <name>' not specified",
      'Usage: edge-sentinel token',
    ],
    [
      ['token', '--agent', 'no spaces', '--group', 'g'],
      "edge-sentinel token: option '--agent <id>' argument 'no spaces' is invalid. agent ids use letters, digits and _ . : @ -",
      'Usage: edge-sentinel token',
    ],
    [
      ['check-config', '--bogus'],
      "edge-sentinel check-config: unknown option '--bogus'",
      'Usage: edge-sentinel check-config',
    ],
    [
      ['check-config', '--env'],
      "edge-sentinel check-config: option '--env <name>' argument missing",
      'Usage: edge-sentinel check-config',
    ],
    [
      ['status', '--url', 'localhost:8787'],
      'edge-sentinel: --url "localhost:8787": expected http:// or https://',
      '',
    ],
    [
      ['events', '--voter', '9'],
      "edge-sentinel events: option '--voter <index>' argument '9' is invalid. --voter takes a whole number from 0 to 4",
      'Usage: edge-sentinel events',
    ],
    [
      ['failover', '--to', 'nohost'],
      "edge-sentinel failover: option '--to <host:port>' argument 'nohost' is invalid. expected a node as host:port (expected \"host:port\")",
      'Usage: edge-sentinel failover',
    ],
    [['bogus'], "edge-sentinel: unknown command 'bogus'", 'Usage: edge-sentinel'],
  ])('%j: one human line, then the usage, exit 2', async (args, line, usage) => {
    const result = await inProcess(args);
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(line);
    expect(result.stderr).toContain(usage);
    expect(result.stderr).not.toMatch(/Invalid input|expected string|\n\s+at /);
  });
});
