// The dead-man supervisor: runs the agent as its child, owns the fences, and applies them when the agent cannot.
import { backoffDelayMs } from '../../workers/protocol/index.js';
import type { Clock } from '../runtime/clock.js';
import { serveFenceMessage, type ToAgent, ToSupervisorSchema } from '../runtime/fence-channel.js';
import type { FenceOwner } from '../runtime/fence-owner.js';
import type { Logger } from '../runtime/logger.js';
import type { Cancel, Timers } from '../runtime/timers.js';

/** The agent process as the supervisor sees it (a forked child with an IPC channel in production). */
export interface AgentChild {
  readonly pid: number | undefined;
  send(message: ToAgent): void;
  kill(signal: NodeJS.Signals): void;
}

export interface ChildEvents {
  readonly onMessage: (raw: unknown) => void;
  readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface SupervisorDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly owner: FenceOwner;
  readonly spawnAgent: (events: ChildEvents) => AgentChild;
  readonly exit: (code: number) => void;
}

/** Exit code 2: bad configuration or usage; restarting cannot fix it. */
const EXIT_BAD_CONFIG = 2;
/** Restart back-off of a crashing agent, reset after a minute of uptime. */
const RESTART_POLICY = { initialMs: 1000, maxMs: 30_000 } as const;
const STABLE_UPTIME_MS = 60_000;
/** After its deadline, how long a fence may take to land before the supervisor gives up and exits. */
const SETTLE_GRACE_MS = 3000;

/**
 * The fence deadlines the agent hands over are enforced here, in another process, so they hold
 * when the agent is SIGKILLed, OOM-killed, crashes, or hangs (SIGSTOP, a blocked event loop):
 * nothing renews them, and the owner's timer fences the node when they pass. A crashed agent is
 * restarted with back-off; the new one starts without a lease, so its node stays fenced until a
 * majority of voters (or every peer) grants it one again.
 *
 * On a stop request the agent stops first; the supervisor then waits for the deadlines the agent
 * left to pass and be applied, and exits: a stopped agent leaves no master writable past its
 * lease. A second stop request fences at once and exits.
 */
export class Supervisor {
  private child: AgentChild | null = null;
  private startedAtMs = 0;
  private restarts = 0;
  private stopping = false;
  private restartTimer: Cancel | null = null;

  constructor(private readonly deps: SupervisorDeps) {
    deps.owner.subscribe((node, state) => this.child?.send({ kind: 'applied', node, state }));
  }

  start(): void {
    this.startedAtMs = this.deps.clock.nowMs();
    this.child = this.deps.spawnAgent({
      onMessage: (raw) => this.onMessage(raw),
      onExit: (code, signal) => this.onExit(code, signal),
    });
    this.deps.logger.info({ agentPid: this.child.pid }, 'agent started under the supervisor');
  }

  /** SIGTERM/SIGINT to the supervisor. */
  stop(): void {
    if (this.stopping) {
      this.deps.logger.warn('second stop request: killing the agent, fencing now and exiting');
      this.child?.kill('SIGKILL');
      this.deps.owner.fenceAllNow();
      this.settleThenExit(1);
      return;
    }
    this.stopping = true;
    this.restartTimer?.();
    if (this.child === null) {
      this.settleThenExit(0);
      return;
    }
    this.deps.logger.info('stopping the agent');
    this.child.send({ kind: 'stop' });
  }

  /**
   * SIGHUP to the supervisor (systemd's ExecReload): passed on to the agent, which reads its
   * passwordFiles again. The supervisor itself holds no credentials of its own: the agent sends it
   * the fence's new ones.
   */
  reload(): void {
    if (this.child === null || this.stopping) return;
    this.deps.logger.info('SIGHUP: passed on to the agent');
    this.child.kill('SIGHUP');
  }

  private onMessage(raw: unknown): void {
    const parsed = ToSupervisorSchema.safeParse(raw);
    if (!parsed.success) {
      this.deps.logger.error(
        { error: parsed.error.issues[0]?.message },
        'malformed message from the agent ignored',
      );
      return;
    }
    const reply = serveFenceMessage(this.deps.owner, parsed.data);
    if (reply !== null) this.child?.send(reply);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.child = null;
    const { logger, clock } = this.deps;
    if (this.stopping) {
      logger.info({ code, signal }, 'agent stopped; waiting for its fence deadlines');
      this.settleThenExit(code === EXIT_BAD_CONFIG ? EXIT_BAD_CONFIG : 0);
      return;
    }
    if (code === EXIT_BAD_CONFIG) {
      logger.fatal('the agent refused its configuration: fencing every local node now and exiting');
      this.deps.owner.fenceAllNow();
      this.settleThenExit(EXIT_BAD_CONFIG);
      return;
    }
    if (clock.nowMs() - this.startedAtMs >= STABLE_UPTIME_MS) this.restarts = 0;
    const delayMs = backoffDelayMs(RESTART_POLICY, this.restarts++, Math.random);
    logger.error(
      { code, signal, restartInMs: delayMs, fenceDeadlineMs: this.deps.owner.lastDeadlineMs() ?? null },
      'the agent died: its fence deadlines stand, and it restarts',
    );
    this.restartTimer = this.deps.timers.after(delayMs, () => {
      this.restartTimer = null;
      if (!this.stopping) this.start();
    });
  }

  /** Exit once every deadline has passed and its fence is applied, or the grace after it is over. */
  private settleThenExit(code: number): void {
    const { owner, clock, timers, logger } = this.deps;
    const deadline = owner.lastDeadlineMs() ?? 0;
    const giveUpAtMs = Math.max(clock.nowMs(), deadline) + SETTLE_GRACE_MS;
    const check = (): void => {
      const last = owner.lastDeadlineMs();
      const passed = last === undefined || clock.nowMs() >= last;
      if (passed && owner.allSettled()) {
        owner.close();
        this.deps.exit(code);
        return;
      }
      if (clock.nowMs() >= giveUpAtMs) {
        logger.error('a fence could not be applied before exiting (node unreachable?)');
        owner.close();
        this.deps.exit(code === 0 ? 1 : code);
        return;
      }
      timers.after(20, check);
    };
    check();
  }
}
