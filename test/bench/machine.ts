// The machine a bench ran on, for the report (figures only compare within one run, but say where it was).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import type { MachineInfo } from './results.js';

export function machineInfo(): MachineInfo {
  let os = `Linux ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty !== undefined) os = pretty;
  } catch {
    // No os-release: the kernel release will do.
  }
  const redis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    os,
    node: process.version,
    redis:
      /v=(\S+)/.exec(redis)?.[1] === undefined ? 'redis-server ?' : `Redis ${/v=(\S+)/.exec(redis)?.[1]}`,
  };
}
