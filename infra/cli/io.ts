// Where the CLI writes and asks: the process's streams in production, buffers in tests.
import { createInterface } from 'node:readline/promises';

export interface CliIo {
  /** A line of the answer (stdout). */
  out(line: string): void;
  /** A line of diagnostics or progress (stderr). */
  err(line: string): void;
  /** Whether a person is at the keyboard: confirmation prompts are asked only then. */
  readonly interactive: boolean;
  /** Asks `question` and resolves the answer typed (only when `interactive`). */
  ask(question: string): Promise<string>;
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}
