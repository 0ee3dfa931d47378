// One call shared by every caller of the same turn of the event loop: a PING or INFO that many groups ask of one node at once.

/** Runs `fn` once the current turn's synchronous work and microtasks are done (setImmediate). */
export type Defer = (fn: () => void) => void;

export const deferToNextTurn: Defer = (fn) => {
  setImmediate(fn);
};

/**
 * Callers that ask before the call has started share it, and get the same outcome; a caller that
 * asks once it has started gets the next one. So every caller's outcome comes from a call sent at
 * or after it asked: a PING's failure never predates the probe a group sent, which is what the
 * core's SDOWN rule and its stale-result check rely on.
 */
export class SameTurnCall<T> {
  private waiting: Promise<T> | null = null;

  constructor(
    private readonly call: () => Promise<T>,
    private readonly defer: Defer = deferToNextTurn,
  ) {}

  request(): Promise<T> {
    if (this.waiting === null) {
      this.waiting = new Promise<T>((resolve, reject) => {
        this.defer(() => {
          this.waiting = null;
          this.call().then(resolve, reject);
        });
      });
    }
    return this.waiting;
  }
}
