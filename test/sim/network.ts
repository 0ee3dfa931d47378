// Who can reach whom (partitions and cuts) and the current message conditions (drops, dups, delays).

/**
 * Endpoints are short names: `v0` (voter), `a0` (agent), `n0` (node), `c0` (client). Agent `ai`
 * and node `ni` share box i, and a box never cuts itself: agent and node on one box always talk
 * unless a fault cuts that exact pair.
 */
export class Reachability {
  private readonly partitions = new Map<number, ReadonlySet<string>>();
  private readonly cuts = new Map<number, string>();
  private nextId = 1;

  reachable(a: string, b: string): boolean {
    if (a === b) return true;
    for (const side of this.partitions.values()) {
      if (side.has(a) !== side.has(b)) return false;
    }
    for (const pair of this.cuts.values()) {
      if (pair === pairKey(a, b)) return false;
    }
    return true;
  }

  /** Separates `side` from every endpoint not in it; returns a handle for `heal`. */
  partition(side: Iterable<string>): number {
    const id = this.nextId++;
    this.partitions.set(id, new Set(side));
    return id;
  }

  cut(a: string, b: string): number {
    const id = this.nextId++;
    this.cuts.set(id, pairKey(a, b));
    return id;
  }

  heal(id: number): void {
    this.partitions.delete(id);
    this.cuts.delete(id);
  }

  healAll(): void {
    this.partitions.clear();
    this.cuts.clear();
  }

  describe(): string {
    const parts = [...this.partitions.values()].map((s) => `{${[...s].join(',')}}|rest`);
    return [...parts, ...this.cuts.values()].join(' ') || 'none';
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}~${b}` : `${b}~${a}`;
}

/** Message conditions; a fault may worsen them for a while. */
export interface NetConditions {
  /** Voter<->voter datagrams. */
  peerDropRatio: number;
  peerDupRatio: number;
  peerDelayMs: readonly [number, number];
  /** Agent<->voter WebSocket messages (FIFO per connection). */
  socketDelayMs: readonly [number, number];
  /** Extra delay added to everything during a spike. */
  spikeDelayMs: number;
  /** Chance per second that a given WebSocket connection drops by itself. */
  socketDropPerSecond: number;
  /** Agent<->agent failsafe datagrams (UDP): loss, duplication, delay. */
  failsafeDropRatio: number;
  failsafeDupRatio: number;
  failsafeDelayMs: readonly [number, number];
  /** How often a second the adversary replays an old failsafe datagram. */
  replayPerSecond: number;
}

export function calmConditions(): NetConditions {
  return {
    peerDropRatio: 0.01,
    peerDupRatio: 0.01,
    peerDelayMs: [2, 30],
    socketDelayMs: [2, 25],
    spikeDelayMs: 0,
    socketDropPerSecond: 0,
    failsafeDropRatio: 0.01,
    failsafeDupRatio: 0.01,
    failsafeDelayMs: [1, 5],
    replayPerSecond: 0.5,
  };
}

/**
 * One agent<->voter WebSocket. Messages never overtake earlier ones in the same direction: each
 * delivery time is at least the previous one of that direction (ties keep queue order).
 */
export class Socket {
  open = true;
  lastToVoterMs = 0;
  lastToAgentMs = 0;
  /** Agent-clock send times of lease pings still waiting for their pong, oldest first. */
  readonly pingsInFlight: number[] = [];
  /** When the voter runtime last auto-answered a lease ping on this socket (voter clock). */
  autoResponseAtMs: number | null = null;

  constructor(
    readonly id: number,
    readonly agent: number,
    readonly voter: number,
  ) {}

  deliveryTime(direction: 'to-voter' | 'to-agent', earliestMs: number): number {
    if (direction === 'to-voter') {
      this.lastToVoterMs = Math.max(this.lastToVoterMs, earliestMs);
      return this.lastToVoterMs;
    }
    this.lastToAgentMs = Math.max(this.lastToAgentMs, earliestMs);
    return this.lastToAgentMs;
  }
}
