// Majority arithmetic, shared by voters, the Worker and agents: how many voters make a decision, and whether a tally is won, lost or pending.

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

export type TallyVerdict = 'won' | 'lost' | 'pending';

/**
 * A tally is won with a majority of yes, lost once the no votes make a majority unreachable,
 * pending otherwise (like etcd's quorum.VoteResult).
 */
export function tally(voters: number, yes: number, no: number): TallyVerdict {
  const needed = majority(voters);
  if (yes >= needed) return 'won';
  if (voters - no < needed) return 'lost';
  return 'pending';
}
