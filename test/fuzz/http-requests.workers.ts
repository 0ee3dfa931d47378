// Random requests to the edge API: paths, query strings, credentials, Last-Event-ID, content types and bodies.
import type { Rng } from '../sim/rng.js';
import {
  anyText,
  asciiText,
  EDGE_NUMBERS,
  type Json,
  mutateJson,
  nastyText,
  randomJson,
} from './generators.js';

export interface Credentials {
  readonly admin: string;
  readonly read: string;
  /** A valid agent token for `agentId` in group `mymaster`. */
  readonly agent: string;
  readonly agentId: string;
}

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | null;
  /** Sent as a stream of chunks, without a Content-Length (as a chunked upload). */
  readonly streamed: boolean;
}

const GROUPS = [
  'mymaster',
  'five',
  'solo',
  'ghost',
  'MyMaster',
  '',
  '..',
  '%2e%2e',
  '%00',
  'a'.repeat(300),
  'x%2Fy',
];
/** Routes under /v1/groups/:group, with the method each answers to. */
const ROUTES: readonly (readonly [string, string])[] = [
  ['', 'GET'],
  ['/master', 'GET'],
  ['/events', 'GET'],
  ['/failover', 'POST'],
  ['/switchover', 'POST'],
  ['/pause', 'POST'],
  ['/resume', 'POST'],
  ['/reset', 'POST'],
  ['/settings', 'GET'],
  ['/settings', 'PUT'],
  ['/settings', 'DELETE'],
  ['/voters/0/agent', 'GET'],
  ['/voters/2/agent', 'GET'],
  ['/voters/9/agent', 'GET'],
  ['/voters/-1/agent', 'GET'],
  ['/voters/01/agent', 'GET'],
  ['/voters/0/outage', 'POST'],
  ['/voters/x/outage', 'POST'],
  ['/nope', 'GET'],
];
const OTHER_PATHS = [
  '/',
  '/healthz',
  '/v1/openapi.json',
  '/v1/groups',
  '/v1/groups/',
  '/groups/mymaster',
  '/status.js',
  '/status.css',
  '/favicon.ico',
  '/v1',
  '/v2/groups',
  '//v1//groups',
  '/v1/groups/mymaster/master/extra',
];
const QUERY_NAMES = ['after', 'limit', 'epoch', 'waitEpoch', 'timeoutMs', 'voter', 'agent', 'reset', 'x'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** Percent-encodes some characters so odd bytes reach the router both raw and encoded. */
function encodeSome(rng: Rng, text: string): string {
  return [...text]
    .map((ch) => (rng.chance(0.3) || /[\s#?%/\\]/.test(ch) ? encodeAny(ch) : ch))
    .join('')
    .replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
}

/** encodeURIComponent, except that a lone surrogate becomes its three bytes: invalid UTF-8 on the wire. */
function encodeAny(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    const unit = text.charCodeAt(0);
    return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
      .map((byte) => `%${byte.toString(16).toUpperCase()}`)
      .join('');
  }
}

/** A path and the method that goes with it (another method one time in five). */
function route(rng: Rng): { path: string; method: string } {
  const method = (natural: string) => (rng.chance(0.8) ? natural : rng.pick(METHODS));
  if (rng.chance(0.15)) return { path: rng.pick(OTHER_PATHS), method: method('GET') };
  if (rng.chance(0.05)) return { path: `/${encodeSome(rng, nastyText(rng, 10))}`, method: method('GET') };
  if (rng.chance(0.02))
    return { path: `/v1/groups/${'a/'.repeat(rng.int(100, 2000))}`, method: method('GET') };
  const group = rng.weighted<() => string>([
    [6, () => 'mymaster'],
    [3, () => rng.pick(GROUPS)],
    [1, () => encodeSome(rng, anyText(rng, 20))],
  ])();
  const [suffix, natural] = rng.pick(ROUTES);
  return { path: `/v1/groups/${group}${suffix}`, method: method(natural) };
}

function queryValue(rng: Rng): string {
  return rng.weighted<() => string>([
    [4, () => rng.pick(EDGE_NUMBERS)],
    [2, () => String(rng.int(0, 600))],
    [1, () => encodeSome(rng, nastyText(rng, 6))],
    [1, () => rng.pick(['agent-1', 'mymaster', '1', '0', 'true', '', '%', '%zz', '%ff%fe'])],
    [1, () => 'x'.repeat(rng.pick([64, 65, 300, 5000]))],
  ])();
}

function query(rng: Rng): string {
  const parts: string[] = [];
  for (let i = rng.int(0, 4); i > 0; i--) {
    const name = rng.chance(0.9) ? rng.pick(QUERY_NAMES) : encodeSome(rng, asciiText(rng, 6));
    parts.push(rng.chance(0.05) ? name : `${name}=${queryValue(rng)}`);
    if (rng.chance(0.05)) parts.push(`${name}=${queryValue(rng)}`);
  }
  // A long-poll with a valid epoch waits up to timeoutMs (30 s by default): keep any wait short.
  if (parts.some((p) => p.startsWith('waitEpoch='))) {
    const kept = parts.filter((p) => !p.startsWith('timeoutMs'));
    parts.length = 0;
    parts.push(...kept, `timeoutMs=${rng.pick(['0', '1', '20', 'x', '-1', '60001'])}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function authorization(rng: Rng, credentials: Credentials, admin: boolean): string | null {
  return rng.weighted<() => string | null>([
    [3, () => null],
    [3, () => (admin ? `Bearer ${credentials.admin}` : `Bearer ${credentials.read}`)],
    [2, () => `Bearer ${credentials.read}`],
    [1, () => `Bearer ${credentials.agent}`],
    [1, () => `bearer   ${admin ? credentials.admin : credentials.read}`],
    [1, () => `Bearer ${asciiText(rng, 40)}`],
    [1, () => `Basic ${asciiText(rng, 20)}`],
    [1, () => `Bearer ${'A'.repeat(rng.pick([512, 513, 8000]))}`],
    [1, () => 'Bearer'],
    [1, () => `Bearer ${[...nastyText(rng, 5)].map(encodeAny).join('')}`],
    [1, () => ''],
  ])();
}

const BODIES: Json[] = [
  {},
  { target: '127.0.0.1:7002' },
  { target: '127.0.0.1:7002', timeoutMs: 1000 },
  { down: true },
  { down: false },
  { quorum: 2 },
  { downAfterMs: 5000, parallelSyncs: 2 },
  { quorum: null },
];

function body(rng: Rng): string | null {
  return rng.weighted<() => string | null>([
    [2, () => null],
    [1, () => ''],
    [4, () => JSON.stringify(rng.pick(BODIES))],
    [4, () => JSON.stringify(mutateJson(rng, rng.pick(BODIES)))],
    [2, () => JSON.stringify(randomJson(rng, 3))],
    [2, () => anyText(rng, 60)],
    [1, () => `{"target":"${'a'.repeat(rng.pick([4000, 4090, 5000, 100_000]))}:1"}`],
    [1, () => ' '.repeat(rng.pick([4096, 4097, 1_048_576]))],
    [1, () => `${'['.repeat(rng.int(100, 2000))}`],
  ])();
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '',
  '*/*',
  'application/json; charset=latin-1',
];

/** One random request; `admin` decides whether a credential drawn for a write may be the admin token. */
export function randomRequest(rng: Rng, credentials: Credentials, admin: boolean): FuzzRequest {
  const { path, method } = route(rng);
  const headers: Record<string, string> = {};
  const auth = authorization(rng, credentials, admin);
  if (auth !== null) headers.Authorization = auth;
  if (rng.chance(0.15))
    headers['Last-Event-ID'] = rng.chance(0.7) ? rng.pick(EDGE_NUMBERS) : asciiText(rng, 20);
  if (rng.chance(0.2))
    headers.Accept = rng.pick(['application/json', 'text/event-stream', '*/*', 'text/html', 'x']);
  if (rng.chance(0.1)) headers['If-None-Match'] = rng.pick(['"0"', '"1"', '*', 'W/"0"', asciiText(rng, 10)]);
  if (rng.chance(0.15)) headers.Upgrade = rng.pick(['websocket', 'WebSocket', 'h2c']);
  if (rng.chance(0.15))
    headers['x-edge-sentinel-agent'] = rng.chance(0.5) ? credentials.agentId : asciiText(rng, 20);
  if (rng.chance(0.05)) headers['x-edge-sentinel-group'] = 'five';
  const sendsBody = method !== 'GET' && method !== 'HEAD';
  const text = sendsBody ? body(rng) : null;
  if (text !== null && rng.chance(0.8)) headers['Content-Type'] = rng.pick(CONTENT_TYPES);
  return {
    method,
    path: `${path}${query(rng)}`,
    headers,
    body: text,
    streamed: text !== null && rng.chance(0.2),
  };
}
