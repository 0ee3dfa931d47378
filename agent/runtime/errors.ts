// The message of anything thrown, for logs and results.

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
