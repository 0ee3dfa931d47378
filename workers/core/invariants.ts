// Invariants every voter state must satisfy: the parts of README.md "Invariants" one voter can see.
import { compareConfigs } from '../protocol/index.js';
import type { VoterState } from './types.js';

export function checkVoterInvariants(state: VoterState): readonly string[] {
  const broken: string[] = [];
  const { durable, role, index } = state;
  const check = (ok: boolean, what: string) => {
    if (!ok) broken.push(`voter ${index}: ${what}`);
  };
  check(
    durable.accepted.epoch <= durable.promisedEpoch,
    `accepted epoch ${durable.accepted.epoch} above promised ${durable.promisedEpoch}`,
  );
  check(compareConfigs(durable.committed, durable.accepted) <= 0, 'committed config newer than accepted');
  check(compareConfigs(durable.published, durable.committed) <= 0, 'published config newer than committed');
  check(durable.published.state === 'active', 'published config is not active');
  check(durable.vote === null || durable.vote.epoch <= durable.promisedEpoch, 'vote above promised epoch');
  if (role.kind !== 'follower') {
    check(
      role.epoch === durable.promisedEpoch,
      `${role.kind} of epoch ${role.epoch} but promised ${durable.promisedEpoch}`,
    );
    check(
      durable.vote?.epoch === role.epoch && durable.vote.candidate === index,
      `${role.kind} of epoch ${role.epoch} without its own persisted vote`,
    );
  }
  if (role.kind === 'leader' && role.proposal !== null) {
    check(role.proposal.epoch === role.epoch, 'proposal epoch differs from leadership epoch');
    check(role.proposal.leader === index, 'proposal names another leader');
    check(
      role.acceptedBy.includes(index) || role.phase === 'preparing',
      'leader has not accepted its own proposal',
    );
  }
  return broken;
}
