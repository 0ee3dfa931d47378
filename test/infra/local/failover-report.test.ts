// The failover scenario's pure judgement: which lost writes replication lag explains, and which facts are problems.
import { describe, expect, it } from 'vitest';
import { type FailoverFacts, factProblems } from '../../../infra/local/failover-report.js';
import { classifyLostWrites } from '../../../infra/local/lost-writes.js';

const write = (key: string, ackAtMs: number) => ({ key, sentAtMs: ackAtMs - 1, ackAtMs });

describe('classifyLostWrites', () => {
  it('forgives only writes acknowledged within the lag window before the kill', () => {
    const acked = [
      write('kept', 900),
      write('in-window', 950),
      write('too-old', 700),
      write('after-kill', 1050),
    ];
    const present = new Set(['kept']);
    expect(classifyLostWrites(acked, present, { killAtMs: 1000, lagWindowMs: 250 })).toEqual({
      lost: 3,
      lostInLagWindow: 1,
      lostBeyondLagWindow: ['too-old', 'after-kill'],
    });
  });
});

const NODES = ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003'];

function healthy(): FailoverFacts {
  return {
    oldMaster: NODES[0] as string,
    oldEpoch: 0,
    newMaster: NODES[1] as string,
    newEpoch: 1,
    newMasterRole: 'master',
    agentMasters: [NODES[1] as string, NODES[1] as string, NODES[1] as string],
    replicasFollowing: [NODES[2] as string],
    resumedWrite: { key: 'k1', onNewMaster: true },
    timings: { detectionMs: 900, failoverMs: 1300, writesResumedMs: 1400, rejoinMs: 700 },
    writes: { acked: 500, failed: 12, errors: [], lost: 0, lostInLagWindow: 0, lostBeyondLagWindow: [] },
    rejoin: {
      asReplica: true,
      writesContinued: true,
      mastersSeen: [NODES[1] as string],
      holdsNewMastersData: true,
    },
    events: [{ name: '+odown', afterKillMs: 900 }],
  };
}

describe('factProblems', () => {
  it('finds nothing wrong with a clean failover', () => {
    expect(factProblems(healthy(), NODES)).toEqual([]);
  });

  it('names each broken expectation', () => {
    const facts: FailoverFacts = {
      ...healthy(),
      newEpoch: 0,
      newMasterRole: 'slave' as FailoverFacts['newMasterRole'],
      agentMasters: [NODES[1] as string, null, NODES[0] as string],
      timings: { ...healthy().timings, failoverMs: 31_000 },
      writes: { ...healthy().writes, lost: 1, lostBeyondLagWindow: ['k9'] },
      rejoin: { ...healthy().rejoin, mastersSeen: [NODES[1] as string, NODES[0] as string] },
    };
    const problems = factProblems(facts, NODES);
    expect(problems).toHaveLength(6);
    expect(problems).toContain('the failover took 31000 ms, beyond 30000 ms');
    expect(problems.join('\n')).toContain('1 acknowledged writes lost beyond the replication-lag window');
    expect(problems.join('\n')).toContain('published at epoch 0');
    expect(problems.join('\n')).toContain('clients were told 127.0.0.1:7002, 127.0.0.1:7001');
  });

  it('refuses a new master that is not a node of the stack', () => {
    const facts = {
      ...healthy(),
      newMaster: '10.9.9.9:1',
      agentMasters: ['10.9.9.9:1'],
      rejoin: { ...healthy().rejoin, mastersSeen: ['10.9.9.9:1'] },
    };
    expect(factProblems(facts, NODES)).toEqual(['the new master 10.9.9.9:1 is not a node of this stack']);
  });
});
