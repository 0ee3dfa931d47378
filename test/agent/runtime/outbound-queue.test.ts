// OutboundQueue: the bound holds; when full, the oldest observation goes first; order is kept.

import { describe, expect, it } from 'vitest';
import { OutboundQueue } from '../../../agent/runtime/outbound-queue.js';
import type { AgentMessage } from '../../../workers/protocol/index.js';

function hello(tag: string): AgentMessage {
  return {
    v: 1,
    kind: 'hello',
    agentId: tag,
    group: 'g',
    localNodes: ['127.0.0.1:7001'],
    highestEpoch: 0,
    sentinel: null,
  };
}

function observation(seq: number): AgentMessage {
  return {
    v: 1,
    kind: 'observation',
    agentId: 'a',
    group: 'g',
    seq,
    highestEpoch: 0,
    inReplyTo: null,
    views: [],
  };
}

function result(tag: string): AgentMessage {
  return {
    v: 1,
    kind: 'command-result',
    agentId: 'a',
    group: 'g',
    epoch: 1,
    node: '127.0.0.1:7001',
    action: 'promote',
    ok: true,
    detail: tag,
  };
}

/** Each message is pushed with a text naming it, so what comes out shows what was kept. */
function drain(queue: OutboundQueue): string[] {
  const out: string[] = [];
  for (let text = queue.shift(); text !== undefined; text = queue.shift()) out.push(text);
  return out;
}

describe('OutboundQueue', () => {
  it('keeps messages in push order and drops nothing below capacity', () => {
    const queue = new OutboundQueue(4);
    expect(queue.push(hello('h'), 'h')).toBe(0);
    expect(queue.push(observation(1), 'o1')).toBe(0);
    expect(queue.push(result('r'), 'r')).toBe(0);
    expect(queue.push(observation(2), 'o2')).toBe(0);
    expect(queue.length).toBe(4);
    expect(drain(queue)).toEqual(['h', 'o1', 'r', 'o2']);
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });

  it('never holds more than its capacity, whatever is pushed', () => {
    const queue = new OutboundQueue(3);
    const makers = [
      (i: number) => hello(`h${i}`),
      (i: number) => observation(i),
      (i: number) => result(`r${i}`),
    ];
    let dropped = 0;
    for (let i = 0; i < 30; i++) {
      const maker = makers[i % 3];
      if (maker === undefined) throw new Error('unreachable');
      dropped += queue.push(maker(i), `m${i}`);
      expect(queue.length).toBe(Math.min(i + 1, 3));
    }
    // Each push beyond the capacity drops exactly one message and says so.
    expect(dropped).toBe(27);
    expect(drain(queue)).toHaveLength(3);
  });

  it('when full, drops the oldest observation and keeps hello and results, in order', () => {
    const queue = new OutboundQueue(4);
    queue.push(hello('h'), 'h');
    queue.push(observation(1), 'o1');
    queue.push(result('r1'), 'r1');
    queue.push(observation(2), 'o2');
    // A result arrives at a full queue: the oldest observation (o1) makes room.
    expect(queue.push(result('r2'), 'r2')).toBe(1);
    expect(queue.length).toBe(4);
    // An observation arrives: the oldest observation still queued (o2) makes room.
    expect(queue.push(observation(3), 'o3')).toBe(1);
    expect(queue.length).toBe(4);
    expect(drain(queue)).toEqual(['h', 'r1', 'r2', 'o3']);
  });

  it('when full of observations, a new observation replaces the oldest one', () => {
    const queue = new OutboundQueue(3);
    for (let seq = 1; seq <= 3; seq++) queue.push(observation(seq), `o${seq}`);
    expect(queue.push(observation(4), 'o4')).toBe(1);
    expect(queue.push(observation(5), 'o5')).toBe(1);
    expect(drain(queue)).toEqual(['o3', 'o4', 'o5']);
  });

  /** A full queue of capacity 3: hello h, results r1 and r2. */
  const fullOfHelloAndResults = () => {
    const queue = new OutboundQueue(3);
    queue.push(hello('h'), 'h');
    queue.push(result('r1'), 'r1');
    queue.push(result('r2'), 'r2');
    return queue;
  };

  it('when full of hello and results, drops the incoming observation and keeps every queued message', () => {
    const queue = fullOfHelloAndResults();
    expect(queue.push(observation(1), 'o1')).toBe(1);
    expect(queue.length).toBe(3);
    expect(drain(queue)).toEqual(['h', 'r1', 'r2']);
  });

  it('when full of hello and results, a further result drops the oldest result and keeps the hello', () => {
    const queue = fullOfHelloAndResults();
    expect(queue.push(result('r3'), 'r3')).toBe(1);
    expect(drain(queue)).toEqual(['h', 'r2', 'r3']);
  });

  it('a newer hello supersedes a queued one; the last hello is never dropped', () => {
    const queue = new OutboundQueue(2);
    queue.push(hello('h1'), 'h1');
    queue.push(result('r1'), 'r1');
    expect(queue.push(hello('h2'), 'h2')).toBe(1);
    expect(drain(queue)).toEqual(['r1', 'h2']);

    const lone = new OutboundQueue(1);
    lone.push(hello('h'), 'h');
    expect(lone.push(result('r'), 'r')).toBe(1);
    expect(drain(lone)).toEqual(['h']);
  });

  it('clear() empties the queue', () => {
    const queue = new OutboundQueue(4);
    queue.push(hello('h'), 'h');
    queue.push(observation(1), 'o1');
    queue.clear();
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
    // Still usable after a clear, with the full capacity.
    for (let i = 0; i < 4; i++) expect(queue.push(result(`r${i}`), `r${i}`)).toBe(0);
    expect(drain(queue)).toEqual(['r0', 'r1', 'r2', 'r3']);
  });
});
