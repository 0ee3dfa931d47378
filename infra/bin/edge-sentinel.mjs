#!/usr/bin/env node
// `npx edge-sentinel ...`: runs infra/cli/main.ts through tsx (a dev dependency).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2), process.env);
// `agent` runs until a signal; once it returns every handle is closed, so exit explicitly.
process.exit(code);
