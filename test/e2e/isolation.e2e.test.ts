// End to end: the master and its agent isolated from everything (fault proxies on every TCP link
// and on the failsafe's UDP links), with fencing on and off.

import { describe, it } from 'vitest';
import { type IsolationPorts, runIsolationScenario } from './isolation-scenario.js';

// This file's own ports: redis 7671-7673, the master's proxy 7674, the failsafe's UDP relays
// 7675-7677, wrangler 8867 and its proxy 8869, Sentinel 26671.., metrics 26681...
const PORTS: IsolationPorts = {
  redis: 7671,
  masterProxy: 7674,
  failsafeProxy: 7675,
  coordinator: 8867,
  coordinatorProxy: 8869,
  sentinel: 26671,
  metrics: 26681,
};

describe('master and its agent isolated from everything (3 nodes, 3 agents, 3 voters)', () => {
  it('with fencing on: the old master refuses writes within the lease, the others fail over, no write acknowledged after the fence is lost', async () => {
    await runIsolationScenario({
      label: 'isolation (fencing on)',
      ports: PORTS,
      fencing: true,
      agentFault: 'none',
    });
  }, 180_000);

  it('with fencing off: the others fail over and the old master keeps acknowledging writes that are lost', async () => {
    await runIsolationScenario({
      label: 'isolation (fencing off)',
      ports: PORTS,
      fencing: false,
      agentFault: 'none',
    });
  }, 180_000);
});
