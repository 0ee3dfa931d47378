#!/usr/bin/env node
// `npx edge-sentinel-agent --config agent.yaml`: runs agent/cli.ts through tsx (installed by `npm ci`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../../agent/cli.ts');
const code = await main(process.argv.slice(2), process.env);
// Every handle is closed by then; exit explicitly so nothing left over can keep the process up.
process.exit(code);
