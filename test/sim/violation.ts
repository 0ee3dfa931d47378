// A broken invariant stops the run: it is thrown from wherever it is detected and caught by the run loop.

export class Violation extends Error {
  constructor(
    readonly invariant: string,
    message: string,
  ) {
    super(`[${invariant}] ${message}`);
    this.name = 'Violation';
  }
}

export function violate(invariant: string, message: string): never {
  throw new Violation(invariant, message);
}
