// A simulated process: its event loop (stalls, deaths), its box's monotonic clock, and Timers on virtual time.
import type { Clock } from '../../agent/runtime/clock.js';
import type { Cancel, Timers } from '../../agent/runtime/timers.js';
import type { AgentClock } from './scenario.js';
import type { World } from './world.js';

/**
 * CLOCK_MONOTONIC of one box: its rate differs from simulation time by the scenario's drift, and
 * every process on the box (the agent, its supervisor) reads the same one, across restarts.
 */
export class BoxClock implements Clock {
  constructor(
    private readonly world: World,
    private readonly clock: AgentClock,
  ) {}

  nowMs(): number {
    return this.agentTime(this.world.now);
  }

  /** This box's clock at a sim time. */
  agentTime(simMs: number): number {
    return this.clock.offsetMs + Math.floor(simMs * this.clock.rate);
  }

  /** The first sim time at which this box's clock reads at least `agentMs`. */
  simTimeOf(agentMs: number): number {
    let s = Math.max(0, Math.ceil((agentMs - this.clock.offsetMs) / this.clock.rate));
    while (s > 0 && this.agentTime(s - 1) >= agentMs) s--;
    while (this.agentTime(s) < agentMs) s++;
    return s;
  }

  /** Sim delay until this box's clock has advanced by `agentDelayMs`. */
  simDelay(agentDelayMs: number): number {
    const w = this.world;
    return Math.max(0, this.simTimeOf(this.agentTime(w.now) + Math.max(0, agentDelayMs)) - w.now);
  }
}

/**
 * One process's event loop. Everything that reaches the process — a timer, an I/O completion, a
 * message — runs through `post`: late (in arrival order) while the process is stalled, never if
 * it died (or was restarted) since the work was started.
 */
export class SimProcess {
  alive = false;
  /** Bumped on every start and death: callbacks of an earlier life are dropped. */
  life = 0;
  stalledUntilMs = 0;

  constructor(
    private readonly world: World,
    readonly name: string,
    readonly clock: BoxClock,
  ) {}

  start(): void {
    this.alive = true;
    this.life++;
    this.stalledUntilMs = 0;
  }

  die(): void {
    this.alive = false;
    this.life++;
  }

  stall(durMs: number): void {
    this.stalledUntilMs = Math.max(this.stalledUntilMs, this.world.now + durMs);
  }

  stalled(): boolean {
    return this.world.now < this.stalledUntilMs;
  }

  post(life: number, label: string, fn: () => void): void {
    if (!this.alive || this.life !== life) return;
    const w = this.world;
    if (w.now < this.stalledUntilMs) {
      w.at(this.stalledUntilMs, `${this.name} (stalled) ${label}`, () => this.post(life, label, fn));
      return;
    }
    // What runs here may resolve promises: the world drains microtasks after this event.
    w.touchedAsync = true;
    fn();
  }

  /** Runs `fn` in this process after `simDelayMs` of simulation time, in its current life. */
  later(simDelayMs: number, label: string, fn: () => void): void {
    const life = this.life;
    this.world.schedule(simDelayMs, `${this.name} ${label}`, () => this.post(life, label, fn));
  }

  /** A promise this process sees resolved after `simDelayMs` (never, if it dies first). */
  reply<T>(simDelayMs: number, label: string, value: () => T): Promise<T> {
    return new Promise<T>((resolve) => this.later(simDelayMs, label, () => resolve(value())));
  }

  /** Node's timers for this process: durations on its box clock, callbacks on its event loop. */
  timers(): Timers {
    const after = (ms: number, fn: () => void): Cancel => {
      let cancelled = false;
      this.later(this.clock.simDelay(ms), 'timer', () => {
        if (!cancelled) fn();
      });
      return () => {
        cancelled = true;
      };
    };
    return {
      after,
      every: (ms, fn) => {
        let cancel: Cancel = () => {};
        let cancelled = false;
        const arm = (): void => {
          cancel = after(ms, () => {
            if (cancelled) return;
            arm();
            fn();
          });
        };
        arm();
        return () => {
          cancelled = true;
          cancel();
        };
      },
    };
  }
}
