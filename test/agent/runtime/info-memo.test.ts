// memoizedInfoParser: the groups receiving one INFO reply parse it once per fence flag.
import { describe, expect, it } from 'vitest';
import { parseNodeInfo } from '../../../agent/core/index.js';
import { memoizedInfoParser, type ParseInfo } from '../../../agent/runtime/info-memo.js';

const TEXT = [
  '# Server',
  'redis_version:7.0.15',
  'run_id:0123456789abcdef0123456789abcdef01234567',
  'tcp_port:6379',
  'uptime_in_seconds:10',
  '# Replication',
  'role:master',
  'connected_slaves:0',
  'master_repl_offset:0',
  '# Keyspace',
  '',
].join('\r\n');

describe('memoizedInfoParser', () => {
  it('parses a reply once for every group with the same fence flag, and again for the other flag or new text', () => {
    const calls: boolean[] = [];
    const counting: ParseInfo = (text, agent) => {
      calls.push(agent.fenced);
      return parseNodeInfo(text, agent);
    };
    const parse = memoizedInfoParser(counting);
    const a = parse(TEXT, { fenced: false });
    const b = parse(TEXT, { fenced: false });
    expect(a.ok).toBe(true);
    expect(b).toBe(a);
    const fenced = parse(TEXT, { fenced: true });
    expect(fenced.ok && fenced.value.fenced).toBe(true);
    expect(parse(TEXT, { fenced: false })).toBe(a);
    parse(TEXT.replace('uptime_in_seconds:10', 'uptime_in_seconds:11'), { fenced: false });
    expect(calls).toEqual([false, true, false]);
  });
});
