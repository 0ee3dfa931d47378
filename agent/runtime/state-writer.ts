// The group's state file as the runner writes it: a few attempts, the write still pending after a failure, and the epoch it durably holds.
import type { PersistedAgentState } from '../core/index.js';
import type { StateStore } from './group-ports.js';
import type { Logger } from './logger.js';

const PERSIST_ATTEMPTS = 3;

export class StateWriter {
  private durable: number;
  /** A state whose write failed: retried (`retry`) on every tick; executes stay refused meanwhile. */
  private pending: PersistedAgentState | null = null;

  constructor(
    private readonly store: StateStore,
    private readonly log: Logger,
    /** The epoch the file held when the runner started. */
    durableEpoch: number,
  ) {
    this.durable = durableEpoch;
  }

  /** Highest epoch durably in the state file: a command must be at exactly this epoch (the executor checks). */
  get durableEpoch(): number {
    return this.durable;
  }

  /** A write failed and has not landed since: what the core believes persisted is not, yet. */
  get failing(): boolean {
    return this.pending !== null;
  }

  /** True once the state is durable; false after the attempts failed (then pending until a write lands). */
  async write(state: PersistedAgentState): Promise<boolean> {
    for (let attempt = 1; attempt <= PERSIST_ATTEMPTS; attempt++) {
      try {
        await this.store.write(state);
        this.durable = Math.max(this.durable, state.highestEpoch);
        this.pending = null;
        this.log.info(
          { highestEpoch: state.highestEpoch, config: state.config, holdUntilMs: state.holdUntilMs },
          'state file written',
        );
        return true;
      } catch (error) {
        this.log.error({ err: String(error), attempt }, 'writing the state file failed');
      }
    }
    // Commands at the new epoch are refused (the executor checks the file's epoch) until it lands.
    this.pending = state;
    return false;
  }

  /** Writes the pending state again, if a write failed. */
  async retry(): Promise<void> {
    if (this.pending !== null) await this.write(this.pending);
  }
}
