// Measurement 5: lookup throughput — redis-benchmark against an agent and a sentinel, and the local HTTP master endpoint.
import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { spawnGroup } from '../../infra/local/process-group.js';
import type { LookupResult, LookupTarget } from './results.js';

export interface BenchmarkCsvRow {
  readonly test: string;
  readonly rps: number;
  readonly p50Ms: number;
}

/** redis-benchmark --csv: a header line, then one quoted row per test; other lines (warnings) are skipped. */
export function parseBenchmarkCsv(text: string): BenchmarkCsvRow[] {
  const rows: BenchmarkCsvRow[] = [];
  let header: string[] | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith('"')) continue;
    const cells = line.split('","').map((c) => c.replace(/^"|"$/g, ''));
    if (cells[0] === 'test') {
      header = cells;
      continue;
    }
    if (header === null) continue;
    const rps = Number(cells[header.indexOf('rps')]);
    const p50Ms = Number(cells[header.indexOf('p50_latency_ms')]);
    if (Number.isFinite(rps)) rows.push({ test: cells[0] ?? '', rps, p50Ms });
  }
  return rows;
}

/** `redis-benchmark -p <port> -n <requests> -c <concurrency> -P <pipeline> SENTINEL get-master-addr-by-name <group>`. */
export async function redisBenchmark(
  target: LookupTarget,
  port: number,
  group: string,
  requests: number,
  concurrency: number,
  logDir: string,
  pipeline = 1,
): Promise<LookupResult> {
  const base = { target, requests, concurrency, pipeline };
  const logFile = join(logDir, `redis-benchmark-${target}-${port}-P${pipeline}.log`);
  const proc = spawnGroup({
    name: `redis-benchmark-${port}`,
    command: 'redis-benchmark',
    args: [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-n',
      String(requests),
      '-c',
      String(concurrency),
      '-P',
      String(pipeline),
      '--csv',
      'SENTINEL',
      'get-master-addr-by-name',
      group,
    ],
    logFile,
  });
  const timer = setTimeout(() => void proc.stop(), 120_000);
  const code = await proc.exited;
  clearTimeout(timer);
  const [row] = parseBenchmarkCsv(readFileSync(logFile, 'utf8'));
  if (code !== '0' || row === undefined) {
    return {
      ...base,
      requestsPerSecond: null,
      p50Ms: null,
      ok: false,
      error: `redis-benchmark exited ${code} (${logFile})`,
    };
  }
  return { ...base, requestsPerSecond: row.rps, p50Ms: row.p50Ms, ok: true, error: null };
}

/**
 * `concurrency` loops of GET <url> for `durationMs`, each on its own keep-alive connection; counts
 * 200s only. node:http rather than fetch: undici's per-request cost in this one process was the
 * bound (on 2 cores, 3,300 reads/s with fetch against 9,000 with this for the same Worker).
 */
export async function httpLookup(
  url: string,
  durationMs: number,
  concurrency: number,
  target: HttpLookupTarget = 'http',
): Promise<LookupResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let failures = 0;
  const startMs = performance.now();
  const deadline = startMs + durationMs;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const sentMs = performance.now();
          if (await getOk(url, agent)) latencies.push(performance.now() - sentMs);
          else failures++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const elapsedS = (performance.now() - startMs) / 1000;
  latencies.sort((a, b) => a - b);
  const ok = latencies.length > 0;
  return {
    target,
    requests: latencies.length,
    concurrency,
    requestsPerSecond: ok ? latencies.length / elapsedS : null,
    p50Ms: ok ? (latencies[Math.floor(latencies.length / 2)] ?? null) : null,
    ok,
    error: ok ? null : `no successful request (${failures} failed)`,
  };
}

export type HttpLookupTarget = Extract<LookupTarget, `http${string}`>;

/** One GET: true on a 200 read to its end within 5 s. */
function getOk(url: string, agent: Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(url, { agent, timeout: 5000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
      response.on('error', () => resolve(false));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', () => resolve(false));
  });
}
