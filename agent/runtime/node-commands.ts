// The Redis commands the Executor sends to a node: an ioredis NodeLink in production, the simulator's node in the simulation.

export interface CommandResult {
  readonly error: string | null;
  readonly reply: unknown;
}

export interface NodeCommands {
  /** One command; rejects with the Redis error (or a timeout). */
  command(name: string, args?: readonly (string | number)[]): Promise<unknown>;
  /** MULTI ... EXEC: each command's error text or reply; rejects if EXEC itself fails. */
  transaction(commands: readonly (readonly (string | number)[])[]): Promise<CommandResult[]>;
  /** INFO text, or null when the node does not answer. Never rejects. */
  info(): Promise<string | null>;
  /** While a hand-off waits, make this replica acknowledge its offset every `everyMs`; returns the stopper. */
  requestAcks(everyMs: number): () => void;
}
