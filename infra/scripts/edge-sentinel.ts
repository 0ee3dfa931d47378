// The `edge-sentinel` command line: `token` prints an agent token; `agent` runs the agent process; `check-config` validates wrangler.toml; each answers --help.
import { parseArgs } from 'node:util';
import { MIN_SECRET_LENGTH } from '../../workers/auth/bearer.js';
import { agentToken } from '../../workers/auth/hmac.js';
import { AgentIdSchema, GroupNameSchema } from '../../workers/protocol/index.js';

const TOKEN_USAGE = `usage: edge-sentinel token --agent <id> --group <name>

Prints the bearer token of an agent for a group: hex HMAC-SHA256(AGENT_SECRET, "<id>\\n<group>").
AGENT_SECRET is read from the environment; it must equal the Worker's secret
(npx wrangler secret put AGENT_SECRET).
  --agent <id>    the agent's id (letters, digits and _ . : @ -)
  --group <name>  the group it serves (letters, digits and _ . -)
  -h, --help      print this help
Exit codes: 0 printed, 1 AGENT_SECRET missing or too short, 2 usage.`;

const USAGE = `usage: edge-sentinel <command> [options]

Commands:
  token --agent <id> --group <name>       print an agent's bearer token (needs AGENT_SECRET)
  agent --config <agent.yaml> [--check]   run the agent, or validate its file with --check
  check-config [wrangler.toml] [--env n]  validate the Worker's configuration before deploy
  help [command]                          print this help, or a command's

Run "edge-sentinel <command> --help" for a command's options.
Exit codes: 0 ok, 1 refused or failed, 2 usage.`;

const COMMANDS = ['token', 'agent', 'check-config'] as const;

/** Returns the exit code; writes the token (and nothing else) to stdout. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.error(`edge-sentinel: missing command (${COMMANDS.join(', ')})\n\n${USAGE}`);
    return 2;
  }
  if (command === 'help' && rest[0] !== undefined && rest[0] !== 'help') {
    return main([rest[0], '--help'], env);
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  // npm links only the package's own name into node_modules/.bin for `npx` in a checkout, so the
  // agent is reachable as `npx edge-sentinel agent ...` as well as `edge-sentinel-agent` once installed.
  if (command === 'agent') {
    const { main: agentMain } = await import('../../agent/cli.js');
    return agentMain(rest, env);
  }
  if (command === 'check-config') {
    const { checkConfig } = await import('./check-config.js');
    return checkConfig(rest);
  }
  if (command !== 'token') {
    console.error(`edge-sentinel: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  return token(rest, env);
}

async function token(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const usageError = (message: string) => {
    console.error(`edge-sentinel token: ${message}\n\n${TOKEN_USAGE}`);
    return 2;
  };
  let values: { agent?: string; group?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        agent: { type: 'string' },
        group: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) {
    console.log(TOKEN_USAGE);
    return 0;
  }
  const missing = [
    ...(values.agent === undefined ? ['--agent <id>'] : []),
    ...(values.group === undefined ? ['--group <name>'] : []),
  ];
  if (missing.length > 0) return usageError(`missing ${missing.join(' and ')}`);
  const agent = AgentIdSchema.safeParse(values.agent);
  const group = GroupNameSchema.safeParse(values.group);
  if (!agent.success || !group.success) {
    const which = !agent.success
      ? `--agent ${JSON.stringify(values.agent)}: ${agent.error.issues[0]?.message}`
      : `--group ${JSON.stringify(values.group)}: ${group.error?.issues[0]?.message}`;
    return usageError(which);
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
