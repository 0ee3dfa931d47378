// Wire protocol: every message kind decodes, bad ones are values naming the bad field, plus node ids and config order.
import { describe, expect, it } from 'vitest';
import {
  type Config,
  compareConfigs,
  type Decoded,
  decodeAgentMessage,
  decodePeerMessage,
  decodeVoterMessage,
  formatNodeId,
  initialConfig,
  MAX_MESSAGE_BYTES,
  MAX_VIEWS_PER_OBSERVATION,
  NodeIdSchema,
  type NodeView,
  newerConfig,
  PROTOCOL_VERSION,
  parseNodeId,
} from '../../../workers/protocol/index.js';

const config = (epoch: number, state: Config['state'], master = '10.0.0.2:6379'): Config => ({
  epoch,
  master,
  state,
  previousMaster: '10.0.0.1:6379',
  cause: 'failover',
  leader: 1,
});

const view = (node: string): NodeView => ({
  node,
  sdown: false,
  role: 'replica',
  masterNode: '10.0.0.1:6379',
  linkUp: true,
  linkDownMs: 0,
  offsetBytes: 12_345,
  runId: 'a'.repeat(40),
  priority: 100,
  rebooted: false,
  fenced: false,
});

const v = PROTOCOL_VERSION;
const group = 'cache-eu';

const agentMessages = {
  hello: {
    v,
    kind: 'hello',
    agentId: 'agent-a@box1',
    group,
    localNodes: ['10.0.0.1:6379', '[::1]:7001'],
    highestEpoch: 3,
    sentinel: { host: 'box1.internal', port: 26379 },
  },
  observation: {
    v,
    kind: 'observation',
    agentId: 'agent-a@box1',
    group,
    seq: 7,
    highestEpoch: 3,
    inReplyTo: null,
    views: [view('10.0.0.2:6379'), view('redis-c.internal:6379')],
  },
  'command-result': {
    v,
    kind: 'command-result',
    agentId: 'agent-a@box1',
    group,
    epoch: 4,
    node: '10.0.0.2:6379',
    action: 'promote',
    ok: true,
    detail: 'REPLICAOF NO ONE done; role:master',
  },
};

const voterMessages = {
  config: { v, kind: 'config', group, voter: 0, config: config(4, 'promoting') },
  epoch: { v, kind: 'epoch', group, voter: 2, epoch: 5 },
  observe: { v, kind: 'observe', group, voter: 1, epoch: 5, requestId: 'r-17' },
};

const peerMessages = {
  'vote-request': {
    v,
    kind: 'vote-request',
    group,
    epoch: 5,
    candidate: 1,
    purpose: 'failover',
    subject: '10.0.0.1:6379',
    target: null,
  },
  'vote-reply': {
    v,
    kind: 'vote-reply',
    group,
    epoch: 5,
    voter: 2,
    granted: true,
    busy: false,
    promisedEpoch: 5,
    accepted: config(4, 'active'),
    committed: config(4, 'active'),
    odown: true,
    leaseRemainingMs: 0,
    reason: 'granted: sees ODOWN of 10.0.0.1:6379, no vote at epoch 5 yet',
  },
  accept: { v, kind: 'accept', group, epoch: 5, leader: 1, config: config(5, 'promoting') },
  'accept-reply': {
    v,
    kind: 'accept-reply',
    group,
    epoch: 5,
    voter: 0,
    ok: true,
    state: 'promoting',
    promisedEpoch: 5,
    reason: 'accepted',
  },
  commit: { v, kind: 'commit', group, config: config(5, 'active') },
};

type Decoder = (text: string) => Decoded<unknown>;

function errorOf(decode: Decoder, message: unknown): string {
  const result = decode(typeof message === 'string' ? message : JSON.stringify(message));
  if (result.ok) throw new Error(`expected ${JSON.stringify(message).slice(0, 80)} to be rejected`);
  return result.error;
}

describe('decoding good messages', () => {
  const table: Array<[string, Decoder, Record<string, object>]> = [
    ['agent', decodeAgentMessage, agentMessages],
    ['voter', decodeVoterMessage, voterMessages],
    ['peer', decodePeerMessage, peerMessages],
  ];
  for (const [side, decode, messages] of table) {
    it.each(Object.entries(messages))(`${side} message %s`, (kind, message) => {
      const result = decode(JSON.stringify(message));
      expect(result).toEqual({ ok: true, message });
      expect(result.ok && (result.message as { kind: string }).kind).toBe(kind);
    });
  }

  it('drops unknown fields rather than failing (a newer peer may add some)', () => {
    const result = decodeVoterMessage(JSON.stringify({ ...voterMessages.epoch, extra: 'x' }));
    expect(result).toEqual({ ok: true, message: voterMessages.epoch });
  });

  it('accepts an observation with the maximum number of views', () => {
    const views = Array.from({ length: MAX_VIEWS_PER_OBSERVATION }, (_, i) => view(`10.0.1.${i}:6379`));
    expect(decodeAgentMessage(JSON.stringify({ ...agentMessages.observation, views })).ok).toBe(true);
  });
});

describe('rejecting bad messages, naming the bad field', () => {
  const badView = { ...view('10.0.0.2:6379'), node: 'no-port' };
  const cases: Array<{ name: string; decode: Decoder; message: unknown; error: RegExp }> = [
    {
      name: 'a bad node id inside a view',
      decode: decodeAgentMessage,
      message: { ...agentMessages.observation, views: [view('10.0.0.3:6379'), badView] },
      error: /^views\.1\.node: expected "host:port"/,
    },
    {
      name: 'a bad node id in the first view',
      decode: decodeAgentMessage,
      message: { ...agentMessages.observation, views: [badView] },
      error: /views\.0\.node/,
    },
    {
      name: 'a port out of range',
      decode: decodeAgentMessage,
      message: { ...agentMessages['command-result'], node: '10.0.0.2:70000' },
      error: /^node: port must be 1\.\.65535/,
    },
    {
      name: 'a negative epoch',
      decode: decodeVoterMessage,
      message: { ...voterMessages.epoch, epoch: -1 },
      error: /^epoch:/,
    },
    {
      name: 'a fractional epoch',
      decode: decodePeerMessage,
      message: { ...peerMessages.accept, epoch: 5.5 },
      error: /^epoch:/,
    },
    {
      name: 'a config state nobody knows',
      decode: decodePeerMessage,
      message: { ...peerMessages.commit, config: { ...config(5, 'active'), state: 'done' } },
      error: /^config\.state:/,
    },
    {
      name: 'a voter index above 4',
      decode: decodeVoterMessage,
      message: { ...voterMessages.config, voter: 5 },
      error: /^voter:/,
    },
    {
      name: 'a missing field',
      decode: decodeAgentMessage,
      message: { ...agentMessages.hello, highestEpoch: undefined },
      error: /^highestEpoch:/,
    },
    {
      name: 'a bad group name',
      decode: decodeAgentMessage,
      message: { ...agentMessages.hello, group: 'a/b' },
      error: /^group: group names use/,
    },
    {
      name: 'too many views',
      decode: decodeAgentMessage,
      message: {
        ...agentMessages.observation,
        views: Array.from({ length: MAX_VIEWS_PER_OBSERVATION + 1 }, () => view('10.0.0.2:6379')),
      },
      error: /^views:/,
    },
    {
      name: 'an unknown kind',
      decode: decodeAgentMessage,
      message: { ...agentMessages.hello, kind: 'shout' },
      error: /^kind:/,
    },
    {
      name: 'a message of another side',
      decode: decodeAgentMessage,
      message: voterMessages.config,
      error: /^kind:/,
    },
    {
      name: 'a wrong protocol version',
      decode: decodeVoterMessage,
      message: { ...voterMessages.epoch, v: PROTOCOL_VERSION + 1 },
      error: /^v:/,
    },
    {
      name: 'no protocol version',
      decode: decodePeerMessage,
      message: { ...peerMessages.commit, v: undefined },
      error: /^v:/,
    },
    {
      name: 'JSON that is not an object',
      decode: decodePeerMessage,
      message: '[1,2]',
      error: /^\(message\):/,
    },
    { name: 'JSON null', decode: decodeAgentMessage, message: 'null', error: /^\(message\):/ },
    { name: 'not JSON', decode: decodeAgentMessage, message: '{"v":1,"kind":', error: /not valid JSON/ },
    {
      name: 'the lease ping text',
      decode: decodeVoterMessage,
      message: '{"v":1,"kind":"lease-pong"}',
      error: /^kind:/,
    },
    { name: 'an empty string', decode: decodeVoterMessage, message: '', error: /not valid JSON/ },
  ];

  it.each(cases)('$name', ({ decode, message, error }) => {
    expect(errorOf(decode, message)).toMatch(error);
  });

  it('rejects an oversized message before parsing it', () => {
    const padding = 'x'.repeat(MAX_MESSAGE_BYTES);
    const big = JSON.stringify({ ...agentMessages['command-result'], detail: padding });
    expect(errorOf(decodeAgentMessage, big)).toBe(`message too large: limit is ${MAX_MESSAGE_BYTES} bytes`);
    // Even text that is not JSON: the size check comes first.
    expect(errorOf(decodeAgentMessage, '{'.repeat(MAX_MESSAGE_BYTES + 1))).toMatch(/too large/);
  });

  it('counts bytes, not characters: multi-byte text under the character limit is still too large', () => {
    const text = JSON.stringify({ pad: 'é'.repeat(MAX_MESSAGE_BYTES / 2 + 10) });
    expect(text.length).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(errorOf(decodeAgentMessage, text)).toMatch(/too large/);
  });

  it('names at most five issues in one line', () => {
    const views = Array.from({ length: 8 }, () => badView);
    const error = errorOf(decodeAgentMessage, { ...agentMessages.observation, views });
    expect(error.split('; ')).toHaveLength(5);
    expect(error).not.toContain('\n');
  });
});

describe('compareConfigs and newerConfig', () => {
  it('orders by epoch first, then active above promoting and handoff', () => {
    const ordered = [config(1, 'active'), config(2, 'promoting'), config(2, 'active'), config(3, 'handoff')];
    const shuffled = [ordered[2], ordered[0], ordered[3], ordered[1]].filter(
      (c): c is Config => c !== undefined,
    );
    expect(shuffled.sort(compareConfigs)).toEqual(ordered);
  });

  it('ranks promoting and handoff of one epoch equal', () => {
    expect(compareConfigs(config(4, 'promoting'), config(4, 'handoff'))).toBe(0);
    expect(compareConfigs(config(4, 'active'), config(4, 'promoting'))).toBeGreaterThan(0);
    expect(compareConfigs(config(3, 'active'), config(4, 'promoting'))).toBeLessThan(0);
  });

  it('newerConfig keeps the first of two equals and otherwise the higher', () => {
    const a = config(4, 'promoting', '10.0.0.2:6379');
    const b = config(4, 'handoff', '10.0.0.3:6379');
    expect(newerConfig(a, b)).toBe(a);
    expect(newerConfig(b, a)).toBe(b);
    expect(newerConfig(config(5, 'promoting'), config(4, 'active')).epoch).toBe(5);
    expect(newerConfig(initialConfig('10.0.0.1:6379'), config(1, 'promoting')).epoch).toBe(1);
  });

  it('initialConfig is epoch 0, active, with no leader', () => {
    expect(initialConfig('10.0.0.1:6379')).toEqual({
      epoch: 0,
      master: '10.0.0.1:6379',
      state: 'active',
      previousMaster: null,
      cause: 'initial',
      leader: -1,
    });
  });
});

describe('node ids', () => {
  const cases: Array<{ id: string; host: string; port: number }> = [
    { id: '10.0.0.1:6379', host: '10.0.0.1', port: 6379 },
    { id: 'redis-a.eu.internal:7001', host: 'redis-a.eu.internal', port: 7001 },
    { id: '[::1]:7001', host: '::1', port: 7001 },
    { id: '[2001:db8::42]:6379', host: '2001:db8::42', port: 6379 },
    { id: '[::ffff:10.0.0.1]:1', host: '::ffff:10.0.0.1', port: 1 },
    { id: 'localhost:65535', host: 'localhost', port: 65535 },
  ];

  it.each(cases)('$id round-trips', ({ id, host, port }) => {
    expect(NodeIdSchema.safeParse(id).success).toBe(true);
    expect(parseNodeId(id)).toEqual({ host, port });
    expect(formatNodeId(host, port)).toBe(id);
  });

  it.each(['::1:7001', '10.0.0.1', '10.0.0.1:0', '10.0.0.1:65536', 'host:port', ':6379', 'a b:1', '[::1]'])(
    'rejects %s',
    (id) => {
      expect(NodeIdSchema.safeParse(id).success).toBe(false);
    },
  );
});
