// Invariant 8: while the voters are unreachable and every agent is up and reaches every other, the master stays writable.
import type { RedisNode } from './redis-node.js';
import { violate } from './violation.js';
import type { World } from './world.js';

export interface FailsafeFigures {
  /** Simulated time during which the failsafe's conditions held. */
  windowMs: number;
  /** Of it, the time the master accepted writes. */
  writableMs: number;
  /** Windows in which the conditions held (each checked from its start, if the master was writable then). */
  windows: number;
}

/**
 * The conditions, checked after every event: fencing and the failsafe on; no agent reaches any
 * live voter; every agent process is up, not stalled, and reaches every other with calm
 * failsafe traffic; the published master is alive, master, loaded and reached by its own agent,
 * and every agent holds the published config. Once such a window has lasted a lease (every grant
 * in force was then asked for inside it: a window that opens as a lossy spike ends may start with
 * grants about to lapse), a master writable at that point must stay writable until the window
 * closes (violation 8 otherwise). The writable fraction over all windows is reported.
 */
export class FailsafeLiveness {
  readonly figures: FailsafeFigures = { windowMs: 0, writableMs: 0, windows: 0 };
  private lastAtMs = 0;
  /** The state since `lastAtMs`: in a window, and the master writable. */
  private inWindow = false;
  private writable = false;
  private openedAtMs = 0;
  /** From a lease into the window: the master it must keep writable (null: it was not writable then). */
  private guarded: RedisNode | null | undefined;

  constructor(private readonly world: World) {}

  observe(): void {
    const w = this.world;
    const dt = w.now - this.lastAtMs;
    if (this.inWindow) {
      this.figures.windowMs += dt;
      if (this.writable) this.figures.writableMs += dt;
    }
    this.lastAtMs = w.now;
    const master = this.conditionsHold();
    const writable = master?.writable(w.now) === true;
    if (master === null) {
      this.inWindow = false;
      return;
    }
    if (!this.inWindow) {
      this.figures.windows++;
      this.openedAtMs = w.now;
      this.guarded = undefined;
    }
    if (this.guarded === undefined && w.now - this.openedAtMs >= w.params.leaseMs) {
      this.guarded = writable ? master : null;
    }
    if (this.guarded === master && !writable) {
      violate(
        '8',
        `${master.id} stopped accepting writes while the voters were unreachable and every agent up and connected`,
      );
    }
    this.inWindow = true;
    this.writable = writable;
  }

  /** The master when the failsafe's conditions hold right now, else null. */
  private conditionsHold(): RedisNode | null {
    const w = this.world;
    const p = w.params;
    if (!p.fencing || !p.failsafe) return null;
    const calm = w.params.conditions;
    if (w.conditions.failsafeDropRatio > calm.failsafeDropRatio || w.conditions.spikeDelayMs > 0) return null;
    for (const a of w.agents) {
      if (!a.alive || a.process.stalled()) return null;
      for (const v of w.voters) if (v.alive && w.reach.reachable(a.endpoint, v.endpoint)) return null;
      for (const b of w.agents) if (a !== b && !w.reach.reachable(a.endpoint, b.endpoint)) return null;
      const config = a.runner?.current.config;
      if (config?.epoch !== w.published.epoch || config.master !== w.published.master) return null;
    }
    const master = w.intendedMaster();
    if (master === undefined || !master.alive || master.role !== 'master' || master.pausedForHandoff)
      return null;
    if (w.now < master.loadingUntilMs) return null;
    const own = w.agents[master.index];
    if (own === undefined || !w.reach.reachable(own.endpoint, master.endpoint)) return null;
    return master;
  }
}
