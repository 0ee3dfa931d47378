// Entry point of `edge-sentinel`: runs one command and returns its exit code (0 ok, 1 refused or
// failed, 2 usage); errors are one line on stderr, never a stack trace.
import { CommanderError } from '@commander-js/extra-typings';
import type { CliContext } from './context.js';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './errors.js';
import { type CliIo, processIo } from './io.js';
import { buildProgram } from './program.js';

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo = processIo(),
  interrupted: AbortSignal = interruptSignal(),
): Promise<number> {
  const ctx: CliContext = { io, env, exitCode: EXIT_OK, interrupted };
  const program = buildProgram(ctx);
  // A subcommand's usage errors name it: "edge-sentinel token: required option ...".
  program.commands
    .find((c) => c.name() === argv[0])
    ?.configureOutput({
      outputError: (text, write) => write(text.replace(/^error: /, `edge-sentinel ${argv[0]}: `)),
    });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its message for the rest.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof CliError) {
      io.err(`edge-sentinel: ${error.message}`);
      return error.exitCode;
    }
    io.err(`edge-sentinel: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILED;
  }
}

/** The first Ctrl-C (or SIGTERM) ends a watching command cleanly; a second one exits at once. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
