// End to end: the dead-man fence. The master and its agent isolated from everything, and the agent
// SIGKILLed or SIGSTOPped at that moment: its supervisor fences the node within the lease, the
// others fail over, and no write acknowledged after the fence is lost. Without the supervisor
// (agent and supervisor killed together) nothing fences the node: the test's teeth.

import { describe, it } from 'vitest';
import { type IsolationPorts, runIsolationScenario } from './isolation-scenario.js';

// This file's own ports: redis 7781-7783, the master's proxy 7784, the failsafe's UDP relays
// 7785-7787, wrangler 8851 and its proxy 8853, Sentinel 26781.., metrics 26791...
const PORTS: IsolationPorts = {
  redis: 7781,
  masterProxy: 7784,
  failsafeProxy: 7785,
  coordinator: 8851,
  coordinatorProxy: 8853,
  sentinel: 26781,
  metrics: 26791,
};

describe('dead-man: the isolated master fenced by its supervisor when its agent cannot (3 nodes, 3 agents, 3 voters)', () => {
  it('the agent SIGKILLed at the isolation: the supervisor fences the node within the lease, the others fail over, nothing acknowledged after the fence is lost', async () => {
    await runIsolationScenario({
      label: 'dead-man (agent SIGKILL)',
      ports: PORTS,
      fencing: true,
      agentFault: 'SIGKILL',
    });
  }, 180_000);

  it('the agent SIGSTOPped at the isolation: the supervisor fences the node within the lease; continued, the agent does not unfence it', async () => {
    await runIsolationScenario({
      label: 'dead-man (agent SIGSTOP)',
      ports: PORTS,
      fencing: true,
      agentFault: 'SIGSTOP',
    });
  }, 180_000);

  it('teeth: the agent and its supervisor killed together at the isolation: nothing fences the node and its writes after the failover are lost', async () => {
    await runIsolationScenario({
      label: 'dead-man (agent and supervisor killed)',
      ports: PORTS,
      fencing: true,
      agentFault: 'unit-kill',
    });
  }, 180_000);
});
