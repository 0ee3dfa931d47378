// What one step of a core hands its shell, for the voter core and the agent core alike (raft's `Ready`), and the reasons both build it with.

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

/**
 * What both cores' per-step collectors share: the sentences saying what the step decided and why,
 * in the order it decided them. Each core's collector (`Out` in workers/core/out.ts, `AgentOut` in
 * agent/core/out.ts) extends it with its own effects.
 */
export interface Reasons {
  readonly reasons: string[];
}

/** Record why a part of the step happened (or did not). */
export function note(out: Reasons, reason: string): void {
  out.reasons.push(reason);
}

/** The step's one sentence: its reasons joined, or "<input>: nothing to decide" when it noted none. */
export function reasonOf(out: Reasons, inputKind: string): string {
  return out.reasons.length > 0 ? out.reasons.join('; ') : `${inputKind}: nothing to decide`;
}
