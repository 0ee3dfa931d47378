// Every command line answers --help with its usage (exit 0) and a usage error with one line plus the usage (exit 2), never a stack trace.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';

function run(command: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true', AGENT_SECRET: '' };
  return spawnSync('npx', [command, ...args], { encoding: 'utf8', env, timeout: 60_000 });
}

const sim = (args: string[]) => run('tsx', ['test/sim/cli.ts', ...args]);
const cli = (args: string[]) => run('edge-sentinel', args);

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

describe('npx edge-sentinel', () => {
  it('--help lists every command', () => {
    const result = cli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('token --agent <id> --group <name>');
    expect(result.stdout).toContain('agent --config <agent.yaml>');
    expect(result.stdout).toContain('check-config [wrangler.toml]');
  });

  it.each([[['check-config', '--help']], [['help', 'check-config']]])(
    '%j prints the check-config usage and exits 0',
    (args) => {
      const result = cli(args);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^usage: npm run check-config/);
      expect(result.stdout).toContain('--env <name>');
    },
  );

  it('check-config validates the repository wrangler.toml', () => {
    const result = cli(['check-config']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('wrangler.toml is valid');
  });

  it.each([[['token', '--help']], [['token', '-h']], [['help', 'token']]])(
    '%j prints the token usage and exits 0',
    (args) => {
      const result = cli(args);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^usage: edge-sentinel token --agent <id> --group <name>/);
      expect(result.stdout).toContain('AGENT_SECRET');
    },
  );

  it('agent --help prints the agent usage and exits 0', () => {
    const result = cli(['agent', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--config <file>');
    expect(result.stdout).toContain('--check');
  });

  it.each([
    [[], 'edge-sentinel: missing command (token, agent, check-config)', 'usage: edge-sentinel <command>'],
    [['token'], 'edge-sentinel token: missing --agent <id> and --group <name>', 'usage: edge-sentinel token'],
    [['token', '--agent', 'a'], 'edge-sentinel token: missing --group <name>', 'usage: edge-sentinel token'],
    [['agent'], 'edge-sentinel-agent: --config is required', 'usage: edge-sentinel-agent'],
    [['check-config', '--bogus'], 'check-config: unknown option "--bogus"', 'usage: npm run check-config'],
    [
      ['check-config', '--env'],
      'check-config: --env needs an environment name',
      'usage: npm run check-config',
    ],
  ])('%j: one human line, then the usage, exit 2', (args, line, usage) => {
    const result = cli(args);
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(line);
    expect(result.stderr).toContain(usage);
    expect(result.stderr).not.toMatch(/Invalid input|expected string/);
  });
});
