// Measurement 5: lookup throughput — redis-benchmark against an agent and a sentinel, and the local HTTP master endpoint.
import { readFileSync } from 'node:fs';
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

/** `concurrency` loops of GET <url> for `durationMs` (keep-alive); counts 200s only. */
export async function httpLookup(
  url: string,
  durationMs: number,
  concurrency: number,
): Promise<LookupResult> {
  const latencies: number[] = [];
  let failures = 0;
  const startMs = performance.now();
  const deadline = startMs + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const sentMs = performance.now();
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
          await response.arrayBuffer();
          if (response.status === 200) latencies.push(performance.now() - sentMs);
          else failures++;
        } catch {
          failures++;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - startMs) / 1000;
  latencies.sort((a, b) => a - b);
  const ok = latencies.length > 0;
  return {
    target: 'http',
    requests: latencies.length,
    concurrency,
    requestsPerSecond: ok ? latencies.length / elapsedS : null,
    p50Ms: ok ? (latencies[Math.floor(latencies.length / 2)] ?? null) : null,
    ok,
    error: ok ? null : `no successful request (${failures} failed)`,
  };
}
