// A webhook receiver for runtime tests (Node): records every POST; `/hooks/flaky-N` fails N times first.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface ReceivedHook {
  readonly path: string;
  readonly status: number;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
  readonly atMs: number;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** GET /_log?path=<path> answers what that path received, in order. */
export async function startWebhookReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const received: ReceivedHook[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      if (req.method === 'GET' && url.pathname === '/_log') {
        const path = url.searchParams.get('path');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(received.filter((r) => path === null || r.path === path)));
        return;
      }
      const body = await readBody(req);
      const flaky = /^\/hooks\/flaky-(\d+)$/.exec(url.pathname);
      const seen = received.filter((r) => r.path === url.pathname).length;
      const status = flaky !== null && seen < Number(flaky[1]) ? 500 : 200;
      received.push({
        path: url.pathname,
        status,
        timestamp: String(req.headers['x-edge-sentinel-timestamp'] ?? ''),
        signature: String(req.headers['x-edge-sentinel-signature'] ?? ''),
        body,
        atMs: Date.now(),
      });
      res.statusCode = status;
      res.end(status === 200 ? 'ok' : 'try again');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
