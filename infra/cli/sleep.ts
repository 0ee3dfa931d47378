// A wait that ends early when the command is interrupted (Ctrl-C), without throwing.
import { setTimeout as delay } from 'node:timers/promises';

export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
