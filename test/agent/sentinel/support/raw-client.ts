// A raw TCP client for byte-exact tests: sends commands as RESP arrays and reads exact byte counts.
import { createConnection, type Socket } from 'node:net';

export function encodeCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {});
  }

  /** Connects; with protocol 3 it sends HELLO 3 first and consumes its reply. */
  static async connect(port: number, protocol: 2 | 3 = 2): Promise<RawClient> {
    const socket = createConnection({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    if (protocol === 3) {
      client.send(['HELLO', '3']);
      await client.readUntil('$7\r\nmodules\r\n*0\r\n');
    }
    return client;
  }

  send(args: readonly string[]): void {
    this.socket.write(encodeCommand(args));
  }

  sendRaw(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits until `bytes` bytes arrived (or the socket closed, or the timeout passed) and takes them. */
  async read(bytes: number, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length < bytes && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
      this.waiter = null;
    }
    const taken = this.buffer.subarray(0, bytes);
    this.buffer = this.buffer.subarray(taken.length);
    return taken.toString('utf8');
  }

  /** Waits until the received bytes contain `marker` and takes everything up to and including it. */
  async readUntil(marker: string, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.buffer.includes(marker) && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
      this.waiter = null;
    }
    const at = this.buffer.indexOf(marker);
    const end = at < 0 ? this.buffer.length : at + Buffer.byteLength(marker);
    const taken = this.buffer.subarray(0, end);
    this.buffer = this.buffer.subarray(end);
    return taken.toString('utf8');
  }

  /** Reads whatever arrives until the connection is quiet for `quietMs`. */
  async readQuiet(quietMs = 50): Promise<string> {
    let length = -1;
    while (length !== this.buffer.length) {
      length = this.buffer.length;
      await new Promise((r) => setTimeout(r, quietMs));
    }
    const text = this.buffer.toString('utf8');
    this.buffer = Buffer.alloc(0);
    return text;
  }

  /** Sends a command and reads exactly as many bytes as the expected reply has. */
  async call(args: readonly string[], expected: string): Promise<string> {
    this.send(args);
    return this.read(Buffer.byteLength(expected));
  }

  /** Stops reading from the socket, so the server's output piles up (a slow subscriber). */
  pause(): void {
    this.socket.pause();
  }

  get pending(): number {
    return this.buffer.length;
  }

  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
