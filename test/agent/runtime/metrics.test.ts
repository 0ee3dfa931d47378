// The Prometheus metrics of an agent, fetched over HTTP from the metrics server.

import { afterEach, describe, expect, it } from 'vitest';
import { AgentMetrics, type Health, startMetricsServer } from '../../../agent/runtime/metrics.js';

type Served = Awaited<ReturnType<typeof startMetricsServer>>;

let served: Served | null = null;

afterEach(async () => {
  await served?.close();
  served = null;
});

async function serve(metrics: AgentMetrics, health: () => Health = () => ({ ok: true })): Promise<string> {
  served = await startMetricsServer('127.0.0.1', 0, metrics, health);
  return `http://127.0.0.1:${served.port}`;
}

async function scrape(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The sample lines of one metric family, without HELP/TYPE lines, sorted. */
function samples(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .sort();
}

/** The per-node gauges, then the per-group epoch, each family sorted. */
function nodeAndEpochSamples(text: string): string[] {
  return ['edge_sentinel_node_sdown', 'edge_sentinel_node_fenced', 'edge_sentinel_epoch'].flatMap((name) =>
    samples(text, name),
  );
}

describe('agent metrics server', () => {
  it('binds an ephemeral port when asked for port 0', async () => {
    const base = await serve(new AgentMetrics({ defaultMetrics: false }));
    expect(served?.port).toBeGreaterThan(0);
    const address = served?.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
    expect(typeof address === 'object' && address?.port).toBe(served?.port);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('serves sdown, fenced, epoch and commands with the values last set', async () => {
    const metrics = new AgentMetrics({ defaultMetrics: false });
    const base = await serve(metrics);

    metrics.sdown.set({ group: 'g1', node: '10.0.0.1:6380' }, 1);
    metrics.sdown.set({ group: 'g1', node: '10.0.0.2:6380' }, 0);
    metrics.fenced.set({ group: 'g1', node: '10.0.0.1:6380' }, 1);
    metrics.epoch.set({ group: 'g1' }, 7);
    metrics.epoch.set({ group: 'g2' }, 3);
    metrics.commands.inc({ group: 'g1', kind: 'promote', result: 'ok' });
    metrics.commands.inc({ group: 'g1', kind: 'promote', result: 'ok' });
    metrics.commands.inc({ group: 'g1', kind: 'repoint', result: 'failed' });
    metrics.commands.inc({ group: 'g1', kind: 'refuse', result: 'failed' });

    let text = await scrape(base);
    expect(text).toContain('# TYPE edge_sentinel_node_sdown gauge');
    expect(text).toContain('# TYPE edge_sentinel_node_fenced gauge');
    expect(text).toContain('# TYPE edge_sentinel_epoch gauge');
    expect(text).toContain('# TYPE edge_sentinel_commands_total counter');
    expect(nodeAndEpochSamples(text)).toEqual([
      'edge_sentinel_node_sdown{group="g1",node="10.0.0.1:6380"} 1',
      'edge_sentinel_node_sdown{group="g1",node="10.0.0.2:6380"} 0',
      'edge_sentinel_node_fenced{group="g1",node="10.0.0.1:6380"} 1',
      'edge_sentinel_epoch{group="g1"} 7',
      'edge_sentinel_epoch{group="g2"} 3',
    ]);
    expect(samples(text, 'edge_sentinel_commands_total')).toEqual([
      'edge_sentinel_commands_total{group="g1",kind="promote",result="ok"} 2',
      'edge_sentinel_commands_total{group="g1",kind="refuse",result="failed"} 1',
      'edge_sentinel_commands_total{group="g1",kind="repoint",result="failed"} 1',
    ]);

    // Later updates show in the next scrape: the node recovers, the fence lifts, the epoch moves on.
    metrics.sdown.set({ group: 'g1', node: '10.0.0.1:6380' }, 0);
    metrics.fenced.set({ group: 'g1', node: '10.0.0.1:6380' }, 0);
    metrics.epoch.set({ group: 'g1' }, 8);
    metrics.commands.inc({ group: 'g1', kind: 'promote', result: 'ok' });
    text = await scrape(base);
    expect(nodeAndEpochSamples(text)).toEqual([
      'edge_sentinel_node_sdown{group="g1",node="10.0.0.1:6380"} 0',
      'edge_sentinel_node_sdown{group="g1",node="10.0.0.2:6380"} 0',
      'edge_sentinel_node_fenced{group="g1",node="10.0.0.1:6380"} 0',
      'edge_sentinel_epoch{group="g1"} 8',
      'edge_sentinel_epoch{group="g2"} 3',
    ]);
    expect(samples(text, 'edge_sentinel_commands_total')).toContain(
      'edge_sentinel_commands_total{group="g1",kind="promote",result="ok"} 3',
    );
  });

  it('serves no samples of a family that was never set, and no default process metrics when off', async () => {
    const base = await serve(new AgentMetrics({ defaultMetrics: false }));
    const text = await scrape(base);
    expect(samples(text, 'edge_sentinel_node_sdown')).toEqual([]);
    expect(samples(text, 'edge_sentinel_commands_total')).toEqual([]);
    expect(text).not.toContain('process_cpu_user_seconds_total');
  });

  it('adds the default process metrics unless told not to', async () => {
    const base = await serve(new AgentMetrics());
    expect(await scrape(base)).toContain('process_cpu_user_seconds_total');
  });

  it('keeps two AgentMetrics apart (private registries)', async () => {
    const other = new AgentMetrics({ defaultMetrics: false });
    other.epoch.set({ group: 'g1' }, 99);
    const metrics = new AgentMetrics({ defaultMetrics: false });
    metrics.epoch.set({ group: 'g1' }, 4);
    const base = await serve(metrics);
    expect(samples(await scrape(base), 'edge_sentinel_epoch')).toEqual(['edge_sentinel_epoch{group="g1"} 4']);
  });

  it('serves /healthz as JSON, 200 when ok and 503 when not; 404 elsewhere; 405 for other methods', async () => {
    let health: Health = { ok: true, groups: 1 };
    const base = await serve(new AgentMetrics({ defaultMetrics: false }), () => health);
    let res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ ok: true, groups: 1 });
    health = { ok: false, reason: 'shutting down' };
    res = await fetch(`${base}/healthz?x=1`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, reason: 'shutting down' });
    res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    res = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    await res.arrayBuffer();
  });

  it('stops listening on close', async () => {
    const base = await serve(new AgentMetrics({ defaultMetrics: false }));
    await served?.close();
    served = null;
    await expect(fetch(`${base}/metrics`)).rejects.toThrow();
  });
});
