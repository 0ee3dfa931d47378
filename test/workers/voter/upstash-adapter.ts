// An Upstash-REST-compatible front for a real redis-server (Node), enough for @upstash/redis in tests.
//
// POST / with a JSON command array answers {result}; POST /pipeline with an array of arrays
// answers [{result}|{error}]; a bearer token is required; with `Upstash-Encoding: base64`, bulk
// strings are base64-encoded as Upstash does ("OK" stays as is). GET /_log lists the commands seen.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';

// Loaded by Node's own require: vitest's module runner cannot evaluate ioredis's CommonJS build.
const { Redis } = createRequire(import.meta.url)('ioredis') as { Redis: typeof RedisClient };

type Reply = string | number | null | Reply[];

function encode(value: unknown, base64: boolean): Reply {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  return base64 && text !== 'OK' ? Buffer.from(text, 'utf8').toString('base64') : text;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function isCommand(value: unknown): value is (string | number)[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => typeof v === 'string' || typeof v === 'number')
  );
}

export async function startUpstashAdapter(
  redisPort: number,
  token: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const redis = new Redis({ host: '127.0.0.1', port: redisPort, protocol: 2, lazyConnect: true });
  await redis.connect();
  const log: (string | number)[][] = [];
  const run = async (command: (string | number)[], base64: boolean) => {
    log.push(command);
    const [name, ...args] = command;
    try {
      return { result: encode(await redis.call(String(name), ...args.map(String)), base64) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET' && req.url === '/_log') return send(res, 200, log);
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'Unauthorized' });
      const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
      const body = await readJson(req).catch(() => null);
      if (req.method === 'POST' && (req.url === '/' || req.url === '')) {
        if (!isCommand(body)) return send(res, 400, { error: 'ERR expected a JSON command array' });
        const answer = await run(body, base64);
        return send(res, 'error' in answer ? 400 : 200, answer);
      }
      if (req.method === 'POST' && req.url === '/pipeline') {
        if (!Array.isArray(body) || !body.every(isCommand)) {
          return send(res, 400, { error: 'ERR expected an array of command arrays' });
        }
        const answers = [];
        for (const command of body) answers.push(await run(command, base64));
        return send(res, 200, answers);
      }
      return send(res, 404, { error: 'not found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('adapter has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}
