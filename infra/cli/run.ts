// `npm run check-config` and scripts run the CLI through tsx directly: `tsx infra/cli/run.ts <command> ...`.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), process.env);
