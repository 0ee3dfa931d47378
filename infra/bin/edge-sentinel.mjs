#!/usr/bin/env node
// `npx edge-sentinel ...`: runs infra/scripts/edge-sentinel.ts through tsx (a dev dependency).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../scripts/edge-sentinel.ts');
process.exitCode = await main(process.argv.slice(2), process.env);
