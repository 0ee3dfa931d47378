// Bounded queue of messages waiting for a voter socket to drain: observations are dropped first, never hello or results.
import type { AgentMessage } from '../../workers/protocol/index.js';

export class OutboundQueue {
  private readonly items: { readonly message: AgentMessage; readonly text: string }[] = [];

  constructor(private readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  /** Returns how many messages were dropped to make room (0 or 1). */
  push(message: AgentMessage, text: string): number {
    let dropped = 0;
    if (this.items.length >= this.capacity) {
      // An observation is superseded by any later one: drop the oldest. Hello and command
      // results are not: if the queue holds nothing else, the newest observation goes instead.
      const index = this.items.findIndex((item) => item.message.kind === 'observation');
      if (index >= 0) this.items.splice(index, 1);
      else if (message.kind === 'observation') return 1;
      else this.items.shift();
      dropped = 1;
    }
    this.items.push({ message, text });
    return dropped;
  }

  shift(): string | undefined {
    return this.items.shift()?.text;
  }

  clear(): void {
    this.items.length = 0;
  }
}
