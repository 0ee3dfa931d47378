// The agent as shipped: the esbuild bundle and the bin that runs it, as real processes outside the repository.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_NODE_FLAGS, missingNodeFlags } from '../../../infra/agent/node-flags.mjs';
import { portOpen, waitFor } from '../../../infra/local/wait.js';
import { type AgentBuild, buildAgent } from '../../../infra/scripts/build-agent.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const EXAMPLE = join(root, 'infra', 'agent', 'agent.example.yaml');
/** Nothing listens there: the agent only has to start, serve its own ports and stop. */
const PORTS = { redis: 7897, sentinel: 26897, metrics: 26898, coordinator: 8899 };

/** A copy of infra/agent/ and a dist/ beside it, in a directory without node_modules. */
let tree: string;
let built: AgentBuild;
let bin: string;

beforeAll(async () => {
  tree = mkdtempSync(join(tmpdir(), 'edge-sentinel-bundle-'));
  mkdirSync(join(tree, 'infra', 'agent'), { recursive: true });
  for (const file of ['edge-sentinel-agent.mjs', 'node-flags.mjs']) {
    copyFileSync(join(root, 'infra', 'agent', file), join(tree, 'infra', 'agent', file));
  }
  bin = join(tree, 'infra', 'agent', 'edge-sentinel-agent.mjs');
  built = await buildAgent(root, join(tree, 'dist', 'edge-sentinel-agent.mjs'));
});

afterAll(() => rmSync(tree, { recursive: true, force: true }));

const run = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [...AGENT_NODE_FLAGS, built.outfile, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, ...env },
  });

describe('the agent bundle', () => {
  it('--check validates the example file and exits 0, naming its build', () => {
    // The example reads its token and failsafe secret from /etc; environment overrides replace them.
    const result = run(['--check', '--config', EXAMPLE], {
      EDGE_SENTINEL_TOKEN: 'example-token',
      EDGE_SENTINEL_FAILSAFE_SECRET: 'example-failsafe-secret',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('is valid: agent db1');
    expect(result.stdout).toContain(built.identity.commit);
  });

  it('exits 2 on a bad file, naming the line and field', () => {
    const bad = join(tree, 'bad.yaml');
    writeFileSync(bad, 'groups: 3\n');
    const result = run(['--config', bad]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml:1: groups: /);
  });

  it('starts, logs its build identity first, serves /healthz and stops with 0 on SIGTERM', async () => {
    const config = join(tree, 'agent.yaml');
    writeFileSync(
      config,
      [
        'agentId: bundle-test',
        `coordinator: { url: "http://127.0.0.1:${PORTS.coordinator}", token: t0123456789 }`,
        `stateDir: ${join(tree, 'state')}`,
        `sentinel: { host: 127.0.0.1, port: ${PORTS.sentinel} }`,
        `metrics: { host: 127.0.0.1, port: ${PORTS.metrics} }`,
        `failsafe: { host: 127.0.0.1, port: ${PORTS.sentinel}, secret: a-failsafe-secret-for-tests }`,
        'groups:',
        `  - name: g`,
        `    local: { port: ${PORTS.redis}, announce: "127.0.0.1:${PORTS.redis}" }`,
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, built.outfile, '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor('the bundle to open its Sentinel port', 8000, async () =>
        (await portOpen(PORTS.sentinel)) ? true : undefined,
      );
      expect(await httpStatus(`http://127.0.0.1:${PORTS.metrics}/healthz`)).toBe(200);
      const first = JSON.parse(stdout.split('\n')[0] ?? '{}') as { build?: unknown; msg?: string };
      expect(first.build).toEqual(built.identity);
      expect(first.msg).toContain(built.identity.builtAt);
    } finally {
      stopChild(child);
    }
    expect(await exited).toBe(0);
  });
});

describe('the edge-sentinel-agent bin', () => {
  it('executed directly (its shebang passes the V8 flags) runs the bundle beside it', () => {
    const result = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(
      `edge-sentinel-agent ${built.identity.version} ${built.identity.commit} built ${built.identity.builtAt}`,
    );
  });

  it('exits 2 on a bad file, printing where', () => {
    const bad = join(tree, 'bad.yaml');
    writeFileSync(bad, 'groups: 3\n');
    const result = spawnSync(process.execPath, [bin, '--config', bad], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml:1: groups: /);
  });

  it('without a build, exits 2 and says what to run', () => {
    const bare = mkdtempSync(join(tmpdir(), 'edge-sentinel-unbuilt-'));
    try {
      mkdirSync(join(bare, 'infra', 'agent'), { recursive: true });
      for (const file of ['edge-sentinel-agent.mjs', 'node-flags.mjs']) {
        copyFileSync(join(tree, 'infra', 'agent', file), join(bare, 'infra', 'agent', file));
      }
      const result = spawnSync(process.execPath, [join(bare, 'infra', 'agent', 'edge-sentinel-agent.mjs')], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('dist/edge-sentinel-agent.mjs is missing');
      expect(result.stderr).toContain('npm ci && npm run build');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('passes the same V8 flags as the systemd unit, and knows when they are missing', () => {
    const shebang = readFileSync(join(root, 'infra', 'agent', 'edge-sentinel-agent.mjs'), 'utf8').split(
      '\n',
    )[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${AGENT_NODE_FLAGS.join(' ')}`);
    const unit = readFileSync(join(root, 'infra', 'systemd', 'edge-sentinel-agent.service'), 'utf8');
    expect(unit).toContain(
      `ExecStart=/usr/bin/node ${AGENT_NODE_FLAGS.join(' ')} /opt/edge-sentinel/infra/agent/edge-sentinel-agent.mjs `,
    );
    // The dead-man's second line: whenever the unit stops, the local nodes are fenced.
    expect(unit).toContain(
      'ExecStopPost=/usr/bin/node /opt/edge-sentinel/infra/agent/edge-sentinel-agent.mjs --fence --config /etc/edge-sentinel/agent.yaml',
    );
    expect(missingNodeFlags([...AGENT_NODE_FLAGS], undefined)).toEqual([]);
    expect(missingNodeFlags([], AGENT_NODE_FLAGS.join(' '))).toEqual([]);
    expect(missingNodeFlags(['--inspect'], '')).toEqual([...AGENT_NODE_FLAGS]);
  });
});

function httpStatus(url: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    request(url, (res) => {
      res.resume();
      resolvePromise(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
