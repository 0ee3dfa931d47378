// The run's trace: a ring of the latest lines, or everything when a seed is replayed with --trace.

export class Trace {
  private readonly ring: string[] = [];
  private next = 0;
  private count = 0;

  /**
   * @param detailed record core decisions and effects too (slower; used when replaying a seed)
   * @param capacity lines kept; older ones are dropped
   * @param sink when set, every line is also written here as it happens
   */
  constructor(
    readonly detailed: boolean,
    private readonly capacity: number,
    private readonly sink: ((line: string) => void) | null = null,
  ) {}

  add(atMs: number, text: string): void {
    const line = `${String(atMs).padStart(7)} ${text}`;
    if (this.sink !== null) this.sink(line);
    if (this.ring.length < this.capacity) this.ring.push(line);
    else this.ring[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    this.count++;
  }

  /** Only builds the text when the trace is detailed. */
  detail(atMs: number, text: () => string): void {
    if (this.detailed) this.add(atMs, text());
  }

  /** The last `n` lines, oldest first. */
  last(n: number): string[] {
    const ordered =
      this.ring.length < this.capacity
        ? this.ring
        : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered.slice(Math.max(0, ordered.length - n));
  }

  get lines(): number {
    return this.count;
  }
}
