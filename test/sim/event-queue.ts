// The virtual-time event queue: a binary heap ordered by (time, insertion sequence).

export interface SimEvent {
  readonly atMs: number;
  readonly seq: number;
  /** Short description for the trace. */
  readonly label: string;
  readonly run: () => void;
}

export class EventQueue {
  private readonly heap: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atMs: number, label: string, run: () => void): void {
    if (!Number.isInteger(atMs)) throw new Error(`event time must be an integer ms, got ${atMs} (${label})`);
    const event: SimEvent = { atMs, seq: this.seq++, label, run };
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as SimEvent;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  peekTime(): number | null {
    const top = this.heap[0];
    return top === undefined ? null : top.atMs;
  }

  pop(): SimEvent | null {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return null;
    const last = heap.pop() as SimEvent;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && before(heap[r] as SimEvent, heap[l] as SimEvent)) c = r;
        const child = heap[c] as SimEvent;
        if (!before(child, last)) break;
        heap[i] = child;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
