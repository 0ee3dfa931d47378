// `edge-sentinel token --agent <id> --group <name>`: an agent's bearer token, HMAC-SHA256(AGENT_SECRET, "<id>\n<group>").
import { type Command, InvalidArgumentError } from '@commander-js/extra-typings';
import { MIN_SECRET_LENGTH } from '../../../workers/auth/bearer.js';
import { agentToken } from '../../../workers/auth/hmac.js';
import { AgentIdSchema, GroupNameSchema } from '../../../workers/protocol/index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';

function schemaOption(schema: typeof AgentIdSchema | typeof GroupNameSchema) {
  return (value: string): string => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'invalid');
    return parsed.data;
  };
}

export function registerTokenCommand(program: Command, ctx: CliContext): void {
  program
    .command('token')
    .description("print an agent's bearer token for a group (needs AGENT_SECRET in the environment)")
    .requiredOption(
      '--agent <id>',
      "the agent's id (letters, digits and _ . : @ -)",
      schemaOption(AgentIdSchema),
    )
    .requiredOption(
      '--group <name>',
      'the group it serves (letters, digits and _ . -)',
      schemaOption(GroupNameSchema),
    )
    .addHelpText(
      'after',
      `
The token is hex HMAC-SHA256(AGENT_SECRET, "<id>\\n<group>"). AGENT_SECRET must equal the
Worker's secret (npx wrangler secret put AGENT_SECRET). Only the token is written to stdout.
Exit codes: 0 printed, 1 AGENT_SECRET missing or too short, 2 usage.`,
    )
    .action(async (options) => {
      const secret = ctx.env.AGENT_SECRET;
      if (secret === undefined || secret === '') {
        throw new CliError(
          'token: AGENT_SECRET is not set in the environment (use the value given to wrangler secret put AGENT_SECRET)',
        );
      }
      if (secret.length < MIN_SECRET_LENGTH) {
        throw new CliError(
          `token: AGENT_SECRET is shorter than ${MIN_SECRET_LENGTH} characters; the Worker refuses it`,
        );
      }
      ctx.io.out(await agentToken(secret, options.agent, options.group));
    });
}
