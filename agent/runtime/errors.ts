// The message of anything thrown, for logs and results; the error that stops the agent's start.

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Refuses to start (with a message for the operator) on a state file or port it cannot use. */
export class AgentStartError extends Error {}
