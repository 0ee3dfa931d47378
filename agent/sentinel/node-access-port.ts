// What SENTINEL SET needs of the agent to change how it reaches a group's nodes: auth-pass, auth-user, rename-command.
import type { NodeAccessChange } from '../../workers/config/sentinel-set.js';

export type { NodeAccessChange };

/**
 * The agent's own credentials and renamed commands for each group's nodes. As each Redis Sentinel
 * keeps its own, a change applies to the agent asked only, and nothing goes to the voters.
 */
export interface NodeAccessPort {
  /** The error line to answer if this agent cannot make these changes for the group (nothing changes), else null. */
  refusal(group: string, changes: readonly NodeAccessChange[]): string | null;
  /** Applies the changes in order; the group's node connections reconnect with the result. */
  apply(group: string, changes: readonly NodeAccessChange[], client: string): void;
}
