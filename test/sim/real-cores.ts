// The real voter and agent cores, as the simulator drives them by default.
import { createAgentState, stepAgent, waitsForTick } from '../../agent/core/index.js';
import { checkVoterInvariants, createVoterState, stepVoter } from '../../workers/core/index.js';
import { majority } from '../../workers/protocol/index.js';
import type { SimCores } from './cores.js';

export const REAL_CORES: SimCores = {
  voter: { createVoterState, stepVoter, checkVoterInvariants, majority },
  agent: { createAgentState, stepAgent, waitsForTick },
};
