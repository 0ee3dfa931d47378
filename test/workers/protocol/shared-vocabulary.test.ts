// The vocabulary agents and voters must agree on: replica order, Sentinel payloads, event names.
import { describe, expect, it } from 'vitest';
import {
  AGENT_EVENT_NAMES,
  compareReplicas,
  EventNameSchema,
  instancePayload,
  masterPayload,
  replicaPayload,
  switchMasterPayload,
  VOTER_EVENT_NAMES,
} from '../../../workers/protocol/index.js';

const view = (node: string, priority: number, offsetBytes: number, runId: string) => ({
  node,
  priority,
  offsetBytes,
  runId,
});

describe('compareReplicas', () => {
  it('orders by priority, then the larger offset, then run id, then node id', () => {
    const views = [
      view('10.0.0.5:6379', 100, 500, 'b'),
      view('10.0.0.4:6379', 100, 500, 'a'),
      view('10.0.0.3:6379', 100, 900, 'z'),
      view('10.0.0.2:6379', 10, 1, 'z'),
      view('10.0.0.1:6379', 100, 500, 'a'),
    ];
    expect([...views].sort(compareReplicas).map((v) => v.node)).toEqual([
      '10.0.0.2:6379',
      '10.0.0.3:6379',
      '10.0.0.1:6379',
      '10.0.0.4:6379',
      '10.0.0.5:6379',
    ]);
  });

  it('is a total order: the same views in any input order sort the same', () => {
    const views = [
      view('a:1', 1, 5, 'x'),
      view('b:1', 1, 5, 'x'),
      view('c:1', 2, 9, 'y'),
      view('d:1', 1, 7, 'w'),
    ];
    const sorted = [...views].sort(compareReplicas).map((v) => v.node);
    expect(
      [...views]
        .reverse()
        .sort(compareReplicas)
        .map((v) => v.node),
    ).toEqual(sorted);
    expect(compareReplicas(views[0] as never, views[0] as never)).toBe(0);
  });
});

describe('Sentinel payloads', () => {
  it('formats instances as Sentinel does, IPv6 without brackets', () => {
    expect(masterPayload('mymaster', '10.0.0.1:6379')).toBe('master mymaster 10.0.0.1 6379');
    expect(replicaPayload('mymaster', '10.0.0.2:6380', '10.0.0.1:6379')).toBe(
      'slave 10.0.0.2:6380 10.0.0.2 6380 @ mymaster 10.0.0.1 6379',
    );
    expect(switchMasterPayload('mymaster', '[::1]:7001', '10.0.0.2:6379')).toBe(
      'mymaster ::1 7001 10.0.0.2 6379',
    );
    expect(instancePayload('master', 'g', '[fe80::1]:7001', { group: 'g', node: 'x:1' })).toBe(
      'master g fe80::1 7001',
    );
  });
});

describe('event names', () => {
  it('is one closed list: every name Sentinel-shaped, command results included, unknown names refused', () => {
    for (const name of [...VOTER_EVENT_NAMES, ...AGENT_EVENT_NAMES])
      expect(name).toMatch(/^[+-][a-z][a-z-]+$/);
    expect(VOTER_EVENT_NAMES).toContain('+promote-done');
    expect(VOTER_EVENT_NAMES).toContain('-demote-failed');
    expect(EventNameSchema.safeParse('+switch-master').success).toBe(true);
    expect(EventNameSchema.safeParse('+made-up').success).toBe(false);
  });
});
