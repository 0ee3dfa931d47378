// Majority reads of the published master with read repair (ABD), so no read path goes back in epoch.
import { type Config, compareConfigs } from '../protocol/index.js';
import type { Published } from '../voter/contract.js';
import { noMajority } from './errors.js';
import { type Answer, gather } from './gather.js';
import type { VoterSet } from './voters.js';

export interface MajorityRead {
  readonly config: Config;
  /** Voters whose answer formed the majority, in arrival order. */
  readonly answered: readonly number[];
  /** Voters that were behind and were told the newer config before the answer was given. */
  readonly repaired: readonly number[];
}

/**
 * Reads the published config from every voter, takes the first majority of answers, and picks
 * the highest. Before answering it writes that config back (`learn`) until a majority holds it,
 * so any later majority read intersects a voter that has it (invariant 3). `known` is a config
 * already known to be committed (for example from a long-poll), treated as one more answer.
 */
export async function readMajority(voters: VoterSet, known?: Published): Promise<MajorityRead> {
  const read = await gather(
    voters.callAll((stub, address) => stub.readPublished(address)),
    voters.majority,
  );
  if (read.answers.length < voters.majority) {
    throw noMajority(
      `only ${read.answers.length} of ${voters.count} voters of "${voters.group.name}" answered ` +
        `(a majority is ${voters.majority}): ${read.failures.map((f) => `voter ${f.index}: ${f.error}`).join('; ')}`,
    );
  }
  const seen = read.answers.map((a) => a.value);
  if (known !== undefined) seen.push(known);
  let best = seen[0]?.config;
  for (const published of seen)
    if (best && compareConfigs(published.config, best) > 0) best = published.config;
  if (best === undefined) throw noMajority('no voter answered');
  const config = best;
  const answered = read.answers.map((a) => a.index);
  const holding = read.answers.filter((a) => compareConfigs(a.value.config, config) >= 0).map((a) => a.index);
  if (holding.length >= voters.majority) {
    return { config, answered, repaired: [] };
  }
  const repaired = await repair(voters, config, holding);
  return { config, answered, repaired: repaired.map((a) => a.index) };
}

/** Tells every voter not known to hold `config` about it, and waits until a majority holds it. */
async function repair(
  voters: VoterSet,
  config: Config,
  holding: readonly number[],
): Promise<readonly Answer<Published>[]> {
  const others = voters.indices().filter((i) => !holding.includes(i));
  const needed = voters.majority - holding.length;
  const learned = await gather(
    voters.callAll(
      async (stub, address) => {
        const after = await stub.learn(address, config);
        if (after.ok && compareConfigs(after.value.config, config) < 0) {
          throw new Error(`still at epoch ${after.value.config.epoch} after learn`);
        }
        return after;
      },
      undefined,
      others,
    ),
    needed,
  );
  if (learned.answers.length < needed) {
    throw noMajority(
      `read repair of epoch ${config.epoch} reached ${holding.length + learned.answers.length} of ` +
        `${voters.count} voters (a majority is ${voters.majority}): ` +
        learned.failures.map((f) => `voter ${f.index}: ${f.error}`).join('; '),
    );
  }
  return learned.answers;
}
