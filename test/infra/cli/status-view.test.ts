// `edge-sentinel status`: the tables an operator reads, from a real GET /v1/groups/:group answer
// (recorded from a local stack after a failover and a switchover) and variations of it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { statusView } from '../../../infra/cli/render/status-view.js';
import { type GroupStatus, GroupStatusSchema } from '../../../workers/api/schemas.js';

const recorded = GroupStatusSchema.parse(
  JSON.parse(readFileSync('test/fixtures/cli/group-status.json', 'utf8')),
);
const copy = (): GroupStatus => structuredClone(recorded);
const column = (view: ReturnType<typeof statusView>['nodes'], name: string) =>
  view.rows.map((row) => row[view.head.indexOf(name)]);

describe('statusView', () => {
  it('lists every node once, the committed master first, with what its own agent observes', () => {
    const view = statusView(recorded);
    expect(column(view.nodes, 'Node')).toEqual(['127.0.0.1:7861', '127.0.0.1:7862', '127.0.0.1:7863']);
    expect(column(view.nodes, 'Role')).toEqual(['master', 'replica', 'replica']);
    expect(column(view.nodes, 'Observed by its agent')).toEqual([
      'master',
      'replica of 127.0.0.1:7861, link up',
      'replica of 127.0.0.1:7861, link up',
    ]);
    expect(column(view.nodes, 'Lag')).toEqual(['', '0 B', '0 B']);
    expect(column(view.nodes, 'Agent')).toEqual([
      'agent-a (voters 0,1,2)',
      'agent-b (voters 0,1,2)',
      'agent-c (voters 0,1,2)',
    ]);
    expect(view.summary[0]).toBe(
      'group mymaster: master 127.0.0.1:7861 since 2026-12-06T00:10:58.972Z, epoch 2, failover idle',
    );
    expect(view.summary[1]).toContain('voters answering 3/3 (0,1,2), quorum 2');
    // Recorded from a coordinator without master-reboot-down-after-period: nothing said of it.
    expect(view.summary[1]).not.toContain('master-reboot');
  });

  it('names master-reboot-down-after-period only when it is on', () => {
    const status = copy();
    status.settings.masterRebootDownAfterMs = 0;
    expect(statusView(status).summary[1]).not.toContain('master-reboot');
    status.settings.masterRebootDownAfterMs = 5000;
    expect(statusView(status).summary[1]).toContain(
      'parallel-syncs 1, master-reboot-down-after-period 5000 ms, fencing on',
    );
  });

  it('shows a master seen down by agents, replication lag in bytes, a node never promoted, fencing', () => {
    const status = copy();
    for (const agent of status.agents.slice(1)) {
      const view = agent.views.find((v) => v.node === '127.0.0.1:7861');
      if (view) view.sdown = true;
    }
    const master = status.agents[0]?.views.find((v) => v.node === '127.0.0.1:7861');
    if (master) master.offsetBytes = 1_000;
    const replica = status.agents[2]?.views.find((v) => v.node === '127.0.0.1:7863');
    if (replica)
      Object.assign(replica, {
        offsetBytes: 400,
        priority: 0,
        linkUp: false,
        linkDownMs: 3_400,
        fenced: false,
      });
    const view = statusView(status);
    expect(column(view.nodes, 'Observed by its agent')[0]).toBe('master; SDOWN by agent-b,agent-c');
    expect(column(view.nodes, 'Lag')).toEqual(['', '986 B', '600 B']);
    expect(column(view.nodes, 'Priority')[2]).toBe('0 (never promoted)');
    expect(column(view.nodes, 'Observed by its agent')[2]).toBe('replica of 127.0.0.1:7861, link down 3 s');
    expect(column(view.nodes, 'Fenced')).toEqual(['no', 'yes', 'no']);
    expect(view.agentViews.rows.map((r) => r[3])).toEqual(['master', 'SDOWN', 'SDOWN']);
  });

  it('says when no majority answered, which voters did not, and a failover under way', () => {
    const status = copy();
    status.master = null;
    status.epoch = null;
    status.answered = [2];
    status.failover = { state: 'promoting', committedEpoch: 3, leader: 2 };
    status.paused = true;
    const [v0, v1, v2] = status.voters;
    if (!v0 || !v1 || !v2?.committed) throw new Error('fixture has three voters, the third committed');
    Object.assign(v0, { answered: false, error: 'voter 0 did not answer within 3000 ms', committed: null });
    Object.assign(v1, { answered: false, error: 'outage drill', committed: null });
    v2.committed = {
      ...v2.committed,
      epoch: 3,
      master: '127.0.0.1:7863',
      state: 'promoting',
    };
    const view = statusView(status);
    expect(view.summary[0]).toBe(
      'group mymaster: master unknown (no majority answered), epoch ?, failover promoting (leader voter 2), PAUSED (no automatic failover)',
    );
    expect(view.summary[1]).toContain('voters answering 1/3 (2)');
    expect(column(view.nodes, 'Node')[0]).toBe('127.0.0.1:7863');
    expect(column(view.nodes, 'Role')[0]).toBe('master (promoting)');
    expect(view.voters.rows.map((r) => [r[1], r[7]])).toEqual([
      ['no', 'voter 0 did not answer within 3000 ms'],
      ['no', 'outage drill'],
      ['yes', ''],
    ]);
  });

  it('says what an agent does not know yet before its first INFO (role, priority, lag), not 0', () => {
    const status = copy();
    const own = status.agents[1]?.views.find((v) => v.node === '127.0.0.1:7862');
    if (own)
      Object.assign(own, { role: 'unknown', priority: 0, offsetBytes: 0, masterNode: null, linkUp: false });
    const view = statusView(status);
    const row = view.nodes.rows.find((r) => r[0] === '127.0.0.1:7862');
    expect(row?.slice(2, 5)).toEqual(['answering, role not read yet', '?', '?']);
  });

  it('names a node no agent reports', () => {
    const status = copy();
    status.agents = status.agents.filter((a) => a.agentId !== 'agent-c');
    status.replicas.push({
      node: '127.0.0.1:7864',
      role: 'unknown',
      sdownBy: [],
      linkUp: false,
      offsetBytes: 0,
      priority: 100,
    });
    const view = statusView(status);
    expect(column(view.nodes, 'Node')).toContain('127.0.0.1:7864');
    const row = view.nodes.rows.find((r) => r[0] === '127.0.0.1:7864');
    expect(row?.[2]).toBe('no report');
    expect(row?.[6]).toBe('(no agent reports it)');
  });
});
