// The CLI's exit codes: 0 ok, 1 refused or failed (the coordinator said no, or could not be reached), 2 usage.
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A failure to report as one line on stderr and exit with `exitCode`, never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: typeof EXIT_FAILED | typeof EXIT_USAGE = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT_USAGE);
}
