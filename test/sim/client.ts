// A client: learns the master from a majority of voters (ABD read with write-back), then writes to it.
import type { Config, NodeId } from '../../workers/protocol/index.js';
import type { World } from './world.js';

export interface AckedWrite {
  readonly id: number;
  readonly node: NodeId;
  readonly atMs: number;
}

interface ReadState {
  readonly startMs: number;
  readonly replies: Map<number, Config>;
  confirmed: Set<number> | null;
  best: Config | null;
  done: boolean;
}

export class Client {
  master: NodeId | null = null;
  masterEpoch = -1;
  writesEnabled = true;
  readonly acked: AckedWrite[] = [];
  private read: ReadState | null = null;
  readonly endpoint: string;
  readsCompleted = 0;

  constructor(
    readonly index: number,
    private readonly world: World,
  ) {
    this.endpoint = `c${index}`;
  }

  start(): void {
    const w = this.world;
    const readLoop = (): void => {
      this.startRead();
      w.schedule(w.randInt(200, 600), `c${this.index} read timer`, readLoop);
    };
    const writeLoop = (): void => {
      this.writeOnce();
      w.schedule(w.randInt(15, 60), `c${this.index} write timer`, writeLoop);
    };
    w.schedule(w.randInt(50, 300), `c${this.index} read timer`, readLoop);
    w.schedule(w.randInt(100, 400), `c${this.index} write timer`, writeLoop);
  }

  startRead(): void {
    const w = this.world;
    if (this.read !== null && !this.read.done) return;
    const read: ReadState = { startMs: w.now, replies: new Map(), confirmed: null, best: null, done: false };
    this.read = read;
    const majority = w.majority;
    for (const voter of w.voters) {
      w.clientToVoter(this, voter.index, (published) => {
        if (read.done || read.confirmed !== null) return;
        read.replies.set(voter.index, published);
        if (read.replies.size >= majority) this.writeBack(read);
      });
    }
    w.schedule(1500, `c${this.index} read timeout`, () => {
      if (!read.done) {
        read.done = true;
        w.trace.detail(w.now, () => `c${this.index} read abandoned (${read.replies.size} replies)`);
      }
    });
  }

  /** ABD: voters that answered with an older config get the newest one before the read returns. */
  private writeBack(read: ReadState): void {
    const w = this.world;
    let best: Config | null = null;
    for (const c of read.replies.values()) if (best === null || c.epoch > best.epoch) best = c;
    if (best === null) return;
    read.best = best;
    const confirmed = new Set<number>();
    for (const [voter, c] of read.replies) if (c.epoch >= best.epoch) confirmed.add(voter);
    read.confirmed = confirmed;
    const target = best;
    if (confirmed.size >= w.majority) {
      this.finish(read, target);
      return;
    }
    for (const [voter, c] of read.replies) {
      if (c.epoch >= target.epoch) continue;
      w.clientCommit(this, voter, target, (published) => {
        if (read.done || published.epoch < target.epoch) return;
        confirmed.add(voter);
        if (confirmed.size >= w.majority) this.finish(read, target);
      });
    }
  }

  private finish(read: ReadState, config: Config): void {
    const w = this.world;
    read.done = true;
    this.readsCompleted++;
    w.invariants.onClientRead(this.index, read.startMs, w.now, config.epoch);
    if (config.epoch >= this.masterEpoch) {
      if (this.master !== config.master) {
        w.trace.detail(w.now, () => `c${this.index} learns master ${config.master} (e${config.epoch})`);
      }
      this.master = config.master;
      this.masterEpoch = config.epoch;
    }
  }

  private writeOnce(): void {
    const w = this.world;
    const nodeId = this.master;
    if (!this.writesEnabled || nodeId === null) return;
    const node = w.nodeById(nodeId);
    if (node === undefined) return;
    const id = w.nextWriteId();
    const there = w.randInt(1, 3);
    const back = w.randInt(1, 3);
    if (!w.reach.reachable(this.endpoint, node.endpoint)) return;
    w.schedule(there, `c${this.index} write ${id} -> ${nodeId}`, () => {
      if (!w.reach.reachable(this.endpoint, node.endpoint)) return;
      const accepted = node.write(id);
      if (!accepted) {
        // READONLY, fenced or refused: ask the voters again.
        w.schedule(back, `c${this.index} write ${id} refused`, () => this.startRead());
        return;
      }
      w.schedule(back, `c${this.index} ack ${id}`, () => {
        if (w.reach.reachable(this.endpoint, node.endpoint))
          this.acked.push({ id, node: nodeId, atMs: w.now });
      });
    });
  }
}
