// SENTINEL MASTER's instance map and master-reboot-down-after-period: Sentinel's map while it is off, the period last when on, `master_reboot` last in flags.
import { describe, expect, it } from 'vitest';
import { masterFields, replicaFields } from '../../../agent/sentinel/commands/instance-maps.js';
import { group, sentinelNode, view } from './support/fake-source.js';

const MASTER = view('10.0.0.1:6379', { role: 'master' });
const REPLICA = sentinelNode(view('10.0.0.2:6379', { masterNode: '10.0.0.1:6379' }));

describe('master-reboot-down-after-period in the instance maps', () => {
  it("is not in the map while off (0): Sentinel 7.2's fields, ending with parallel-syncs", () => {
    const fields = masterFields(group(sentinelNode(MASTER), [REPLICA]));
    expect(fields.at(-1)).toEqual(['parallel-syncs', '1']);
    expect(fields.map(([k]) => k)).not.toContain('master-reboot-down-after-period');
  });

  it('is the last field when on', () => {
    const fields = masterFields({ ...group(sentinelNode(MASTER), [REPLICA]), masterRebootDownAfterMs: 5000 });
    expect(fields.slice(-2)).toEqual([
      ['parallel-syncs', '1'],
      ['master-reboot-down-after-period', '5000'],
    ]);
  });

  it("flags a master seen restarting master_reboot, last as in Sentinel's order", () => {
    const rebooting = {
      ...sentinelNode(view('10.0.0.1:6379', { role: 'master', sdown: true })),
      masterReboot: true,
    };
    const g = { ...group(rebooting, [REPLICA], { failoverInProgress: true }), masterRebootDownAfterMs: 5000 };
    expect(masterFields(g).find(([k]) => k === 'flags')).toEqual([
      'flags',
      's_down,master,failover_in_progress,master_reboot',
    ]);
    expect(replicaFields(g, REPLICA).find(([k]) => k === 'flags')).toEqual(['flags', 'slave']);
  });
});
