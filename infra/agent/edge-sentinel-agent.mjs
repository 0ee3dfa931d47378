#!/usr/bin/env -S node --optimize-for-size --v8-pool-size=1
// `edge-sentinel-agent --config agent.yaml`: runs the built agent under its supervisor (dist/, `npm ci && npm run build`).
//
// The shebang passes the shipped V8 flags (node-flags.mjs) when the bin is executed directly (npx,
// a linked or installed bin). A missing bundle is an installation error, not something to paper
// over: falling back to tsx would run different code (from source, with a dev dependency that
// `npm ci --omit=dev` leaves out) at about 55 MB more, silently. Run from source explicitly with
// `npx edge-sentinel agent --config ...` instead.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { missingNodeFlags } from './node-flags.mjs';

const bundle = new URL('../../dist/edge-sentinel-agent.mjs', import.meta.url);
const supervisor = new URL('../../dist/edge-sentinel-supervisor.mjs', import.meta.url);
if (!existsSync(bundle) || !existsSync(supervisor)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  console.error(
    `edge-sentinel-agent: ${fileURLToPath(bundle)} is missing: the agent is not built.\n` +
      `  Build it: cd ${root} && npm ci && npm run build\n` +
      '  (or run it from source, for development: npx edge-sentinel agent --config <file>)',
  );
  // 2, like a bad config file: restarting (systemd) will not fix it.
  process.exit(2);
}
const missing = missingNodeFlags(process.execArgv, process.env.NODE_OPTIONS);
const runs = !process.argv
  .slice(2)
  .some((arg) => ['--check', '--fence', '--version', '--help', '-h'].includes(arg));
if (missing.length > 0 && runs) {
  console.error(
    `edge-sentinel-agent: warning: started without ${missing.join(' ')} (idle memory is higher); ` +
      `run it as \`node ${missing.join(' ')} ${fileURLToPath(import.meta.url)} ...\` or execute the bin directly`,
  );
}
// --check, --fence, --version and --help are the agent's own; a run goes through the supervisor, which
// forks the agent and applies its fences when it dies or hangs (agent/README.md, "Dead-man").
// Either bundle exits the process itself.
await import(runs ? supervisor.href : bundle.href);
