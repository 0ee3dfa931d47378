// Waiting for the first N answers of parallel calls, and bounding each call with a timeout.

export interface Answer<T> {
  readonly index: number;
  readonly value: T;
}

export interface Failure {
  readonly index: number;
  readonly error: string;
}

export interface Gathered<T> {
  readonly answers: readonly Answer<T>[];
  readonly failures: readonly Failure[];
}

/**
 * Resolves as soon as `needed` calls have succeeded, or as soon as so many have failed that
 * `needed` successes are impossible, or when all have settled. Answers are in arrival order.
 * Calls still pending are not cancelled; their results are ignored.
 */
export function gather<T>(calls: readonly Answerable<T>[], needed: number): Promise<Gathered<T>> {
  const answers: Answer<T>[] = [];
  const failures: Failure[] = [];
  return new Promise((resolve) => {
    const settle = () => {
      const done =
        answers.length >= needed ||
        calls.length - failures.length < needed ||
        answers.length + failures.length === calls.length;
      if (done) resolve({ answers: [...answers], failures: [...failures] });
    };
    if (calls.length === 0 || needed <= 0) {
      resolve({ answers, failures });
      return;
    }
    for (const call of calls) {
      call.promise.then(
        (value) => {
          answers.push({ index: call.index, value });
          settle();
        },
        (error: unknown) => {
          failures.push({ index: call.index, error: describeError(error) });
          settle();
        },
      );
    }
  });
}

/** Waits for every call to settle (each is bounded by its own timeout). */
export async function settleAll<T>(calls: readonly Answerable<T>[]): Promise<Gathered<T>> {
  const results = await Promise.allSettled(calls.map((call) => call.promise));
  const answers: Answer<T>[] = [];
  const failures: Failure[] = [];
  results.forEach((result, i) => {
    const index = calls[i]?.index ?? i;
    if (result.status === 'fulfilled') answers.push({ index, value: result.value });
    else failures.push({ index, error: describeError(result.reason) });
  });
  return { answers, failures };
}

export interface Answerable<T> {
  readonly index: number;
  readonly promise: Promise<T>;
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Rejects with a TimeoutError if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/**
 * Resolves with the first value that satisfies `wanted`, or with undefined once every call has
 * settled without one. Failed calls are skipped.
 */
export function firstMatching<T>(
  calls: readonly Answerable<T>[],
  wanted: (value: T) => boolean,
): Promise<Answer<T> | undefined> {
  return new Promise((resolve) => {
    let settled = 0;
    const next = () => {
      settled += 1;
      if (settled === calls.length) resolve(undefined);
    };
    if (calls.length === 0) resolve(undefined);
    for (const call of calls) {
      call.promise.then(
        (value) => {
          if (wanted(value)) resolve({ index: call.index, value });
          next();
        },
        () => next(),
      );
    }
  });
}
