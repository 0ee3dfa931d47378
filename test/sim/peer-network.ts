// The network between agents for failsafe datagrams: reachability, loss, duplication, delay, and an adversary replaying old datagrams.
import type { PeerAddress } from '../../agent/runtime/peer-channel.js';
import type { World } from './world.js';

/** Datagrams the adversary keeps for replay (the latest few of every kind it saw). */
const CAPTURED = 64;

/**
 * Datagrams are independent: each may be lost, duplicated (the copy possibly much later) or
 * delayed, and arrives only if the two boxes can reach each other. An adversary on the path
 * records datagrams and replays old ones to their destination: a replayed grant request must
 * grant nothing new, a replayed grant must count for nothing.
 */
export class PeerNetwork {
  private readonly captured: { to: number; bytes: Buffer }[] = [];
  sent = 0;
  replayed = 0;

  constructor(private readonly world: World) {}

  start(): void {
    const tick = (): void => {
      const w = this.world;
      const perTick = w.conditions.replayPerSecond / 10;
      if (perTick > 0 && this.captured.length > 0 && w.rng.chance(perTick)) {
        const old = w.rng.pick(this.captured);
        this.replayed++;
        this.deliver(-1, old.to, old.bytes, w.randInt(1, 20), 'replayed');
      }
      w.schedule(100, 'replay tick', tick);
    };
    this.world.schedule(100, 'replay tick', tick);
  }

  send(from: number, to: PeerAddress, bytes: Buffer): void {
    const w = this.world;
    const target = Number(to.host.slice(1));
    if (!to.host.startsWith('a') || !Number.isInteger(target)) return;
    this.sent++;
    if (this.captured.length < CAPTURED) this.captured.push({ to: target, bytes });
    else if (w.rng.chance(0.1)) this.captured[w.randInt(0, CAPTURED - 1)] = { to: target, bytes };
    const c = w.conditions;
    const copies = w.rng.chance(c.failsafeDupRatio) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (w.rng.chance(c.failsafeDropRatio)) continue;
      const delay = w.randInt(c.failsafeDelayMs[0], c.failsafeDelayMs[1]) + c.spikeDelayMs;
      this.deliver(from, target, bytes, delay * (i === 0 ? 1 : w.randInt(1, 20)), 'datagram');
    }
  }

  private deliver(from: number, to: number, bytes: Buffer, delayMs: number, what: string): void {
    const w = this.world;
    w.schedule(delayMs, `a${from} -> a${to} failsafe ${what}`, () => {
      // A replay comes from the adversary, who is on the receiver's side of any partition.
      if (from >= 0 && !w.reach.reachable(`a${from}`, `a${to}`)) return;
      w.agents[to]?.datagram(bytes);
    });
  }
}
