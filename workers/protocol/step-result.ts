// What one step of a core hands its shell, for the voter core and the agent core alike (raft's `Ready`).

/**
 * The new state, what must be durable before anything else happens, the effects in the order the
 * shell carries them out, and one sentence saying what was decided and why. `persist` is a field,
 * not an effect among others, so no shell can send or execute before it: a shell writes it first
 * (null: nothing durable changed) and, if that write fails, carries out no effect that tells the
 * world about the step.
 */
export interface StepResult<State, Persist, Effect> {
  readonly state: State;
  readonly persist: Persist | null;
  readonly effects: readonly Effect[];
  readonly reason: string;
}
