// Every address clients are told is the master (HTTP endpoint and agents), collected while something happens.
import type { LocalStack } from './stack.js';
import { sleep } from './wait.js';

export interface AdvertisedMastersWatch {
  /** Stops polling; resolves with every address seen, in first-seen order (idempotent). */
  stop(): Promise<string[]>;
}

/** Polls every read path a client uses, every `intervalMs`, until stopped. */
export function watchAdvertisedMasters(
  stack: LocalStack,
  options: { readonly intervalMs: number },
): AdvertisedMastersWatch {
  const seen = new Set<string>();
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const m = await stack.publishedMaster().catch(() => null);
      if (m !== null) seen.add(`${m.host}:${m.port}`);
      for (const answer of await stack.agentMasters()) if (answer !== null) seen.add(answer);
      await sleep(options.intervalMs);
    }
  })();
  let stopped: Promise<string[]> | null = null;
  return {
    stop() {
      watching = false;
      stopped ??= loop.then(() => [...seen]);
      return stopped;
    },
  };
}
