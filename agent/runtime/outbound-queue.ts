// Bounded queue of messages waiting for a voter socket to drain: observations are dropped first, the last hello never.
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
      const victim = this.victim(message);
      if (victim === null) return 1;
      this.items.splice(victim, 1);
      dropped = 1;
    }
    this.items.push({ message, text });
    return dropped;
  }

  /**
   * What makes room, or null to drop the incoming message: the oldest observation (any later one
   * supersedes it); else, for an incoming observation, itself; else a hello that a later one
   * supersedes; else the oldest command result. The last hello is never dropped: the voter
   * ignores everything an agent sends before its hello.
   */
  private victim(incoming: AgentMessage): number | null {
    const kinds = this.items.map((item) => item.message.kind);
    const observation = kinds.indexOf('observation');
    if (observation >= 0) return observation;
    if (incoming.kind === 'observation') return null;
    const hello = kinds.indexOf('hello');
    if (hello >= 0 && (incoming.kind === 'hello' || kinds.lastIndexOf('hello') !== hello)) return hello;
    const result = kinds.findIndex((kind) => kind !== 'hello');
    return result >= 0 ? result : null;
  }

  shift(): string | undefined {
    return this.items.shift()?.text;
  }

  clear(): void {
    this.items.length = 0;
  }
}
