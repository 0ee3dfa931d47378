// The `edge-sentinel` command line: `token` prints an agent token; `agent` runs the agent process.
import { parseArgs } from 'node:util';
import { MIN_SECRET_LENGTH } from '../../workers/auth/bearer.js';
import { agentToken } from '../../workers/auth/hmac.js';
import { AgentIdSchema, GroupNameSchema } from '../../workers/protocol/index.js';

const USAGE = `usage: edge-sentinel token --agent <id> --group <name>
       edge-sentinel agent --config <agent.yaml> [--check]

Prints the bearer token of an agent for a group: hex HMAC-SHA256(AGENT_SECRET, "<id>\\n<group>").
AGENT_SECRET is read from the environment; it must equal the Worker's secret
(npx wrangler secret put AGENT_SECRET).`;

/** Returns the exit code; writes the token (and nothing else) to stdout. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  // npm links only the package's own name into node_modules/.bin for `npx` in a checkout, so the
  // agent is reachable as `npx edge-sentinel agent ...` as well as `edge-sentinel-agent` once installed.
  if (command === 'agent') {
    const { main: agentMain } = await import('../../agent/cli.js');
    return agentMain(rest, env);
  }
  if (command !== 'token') {
    console.error(`edge-sentinel: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  let values: { agent?: string; group?: string };
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: { agent: { type: 'string' }, group: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    console.error(
      `edge-sentinel token: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
    );
    return 2;
  }
  const agent = AgentIdSchema.safeParse(values.agent);
  const group = GroupNameSchema.safeParse(values.group);
  if (!agent.success || !group.success) {
    const which = !agent.success
      ? `--agent: ${agent.error.issues[0]?.message}`
      : `--group: ${group.error?.issues[0]?.message}`;
    console.error(`edge-sentinel token: ${which}\n\n${USAGE}`);
    return 2;
  }
  const secret = env.AGENT_SECRET;
  if (secret === undefined || secret === '') {
    console.error(
      'edge-sentinel token: AGENT_SECRET is not set in the environment (use the value given to wrangler secret put AGENT_SECRET)',
    );
    return 1;
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    console.error(
      `edge-sentinel token: AGENT_SECRET is shorter than ${MIN_SECRET_LENGTH} characters; the Worker refuses it`,
    );
    return 1;
  }
  console.log(await agentToken(secret, agent.data, group.data));
  return 0;
}
