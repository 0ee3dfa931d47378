// A voter's storage in the simulation: what survives its crashes (the durable state, the volatile
// row, agent rows and events), behind the StepStorage port the shipped StepRunner writes through.
import type { AgentRecord, DurableState, VoterEvent } from '../../workers/core/types.js';
import type { StoredEvent } from '../../workers/voter/contract.js';
import type { Volatile } from '../../workers/voter/schemas.js';
import type { StepStorage } from '../../workers/voter/step-ports.js';

export class SimVoterStorage implements StepStorage {
  /** The last persisted durable state (a deep copy: nothing the core keeps can change it). */
  durable: DurableState | null = null;
  private volatile: Volatile | null = null;
  readonly agents = new Map<string, AgentRecord>();
  private lastEventId = 0;

  constructor(private readonly onDurableSaved: (durable: DurableState) => void) {}

  saveDurable(durable: DurableState): void {
    this.durable = structuredClone(durable);
    this.onDurableSaved(this.durable);
  }

  saveAgent(record: AgentRecord): void {
    this.agents.set(record.agentId, structuredClone(record));
  }

  deleteAgent(agentId: string): void {
    this.agents.delete(agentId);
  }

  /** A real restart drops the agent rows of the previous life (identity.ts does the same). */
  deleteAllAgents(): void {
    this.agents.clear();
  }

  loadVolatile(): Volatile | null {
    return this.volatile;
  }

  saveVolatile(volatile: Volatile): void {
    this.volatile = { ...volatile };
  }

  /** Events are numbered as the voter numbers them; the simulation traces them and keeps no log. */
  insertEvent(event: VoterEvent, atMs: number): StoredEvent {
    this.lastEventId++;
    return { id: this.lastEventId, at: new Date(atMs).toISOString(), ...event };
  }

  trimEvents(): void {}

  /** The simulation configures no webhooks. */
  earliestWebhookAt(): number | null {
    return null;
  }

  saveCounters(): void {}
}
