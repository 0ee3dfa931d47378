// Bench hook preloaded into an agent (`node --import`): on SIGUSR2, writes the process's memory figures as JSON.
//
// Nothing runs until the signal arrives, so the idle process measured is the agent's own. The file
// named by EDGE_SENTINEL_HEAP_REPORT gets process.memoryUsage() and V8's heap and space statistics.
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const path = process.env.EDGE_SENTINEL_HEAP_REPORT;
if (path !== undefined && path !== '') {
  process.on('SIGUSR2', () => {
    const spaces = Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
    );
    writeFileSync(
      path,
      JSON.stringify({ memory: process.memoryUsage(), heap: v8.getHeapStatistics(), spaces }),
    );
  });
}
