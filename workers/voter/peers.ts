// Messages to the other voters of the group: one cached stub per peer, fire and forget.
import type { GroupEntry } from '../config/load.js';
import type { Env, VoterObject } from '../env.js';
import type { PeerMessage } from '../protocol/index.js';
import { describeFailure, voterName } from './contract.js';

export class PeerSender {
  private readonly stubs = new Map<number, DurableObjectStub<VoterObject>>();

  constructor(private readonly env: Env) {}

  /** Fire and forget: two voters calling each other must never wait on each other. */
  send(entry: GroupEntry, from: number, to: number, message: PeerMessage): void {
    let stub = this.stubs.get(to);
    if (stub === undefined) {
      const hint = entry.config.locationHints[to];
      const id = this.env.VOTER.idFromName(voterName({ group: entry.name, index: to }));
      stub = hint === undefined ? this.env.VOTER.get(id) : this.env.VOTER.get(id, { locationHint: hint });
      this.stubs.set(to, stub);
    }
    const address = { group: entry.name, index: to };
    Promise.resolve(stub.peer(address, from, message)).then(
      (result) => {
        // A refusal (the peer is down for a drill, or not that voter): the stub itself is fine.
        if (!result.ok) {
          console.warn(
            `voter ${entry.name}#${from}: ${message.kind} to voter ${to} refused: ${describeFailure(result.error)}`,
          );
        }
      },
      (error: unknown) => {
        // A broken stub stays broken; the next message gets a fresh one.
        this.stubs.delete(to);
        console.warn(`voter ${entry.name}#${from}: ${message.kind} to voter ${to} failed: ${String(error)}`);
      },
    );
  }
}
