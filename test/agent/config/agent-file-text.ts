// A valid agent file as text, shared by the config tests that vary it (one field at a time).
export const GOOD_AGENT_FILE = `agentId: db1
coordinator:
  url: https://edge-sentinel.example.workers.dev
  token: t0ken
stateDir: /tmp/es-state
failsafe:
  secret: a-failsafe-secret-of-32-characters
groups:
  - name: mymaster
    local:
      port: 6380
      announce: db1.example.com:6380
    nodes:
      - db2.example.com:6380
`;
