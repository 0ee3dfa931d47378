// One client connection: requests in (request-parser.ts), commands run in order, replies and pub/sub frames out, within bounds.
import type { Socket } from 'node:net';
import type { ServerContext } from './command-spec.js';
import { deliveryFor, type EncodedEvent } from './delivery.js';
import { dispatch } from './dispatch.js';
import { RequestParser } from './request-parser.js';
import { encodeText, error, type Reply } from './resp.js';
import type { Session } from './session.js';

/** How long a closing client may take to read its last reply and close its side. */
const CLOSE_GRACE_MS = 2000;

export interface ConnectionLimits {
  /** Replies and frames the peer has not read yet; beyond this the client is disconnected. */
  readonly maxOutputBytes: number;
  /** Bytes of one unfinished request; beyond this the client is disconnected. */
  readonly maxInputBytes: number;
  /** Parsed commands waiting behind a slow (asynchronous) one. */
  readonly maxQueuedCommands: number;
}

export class Connection {
  private readonly parser: RequestParser;
  private readonly queue: string[][] = [];
  private busy = false;
  private closed = false;
  /** Bytes received since the last complete request. */
  private unparsedBytes = 0;
  /** Replies of the requests being answered together, sent in one write (null: write at once). */
  private batch: string[] | null = null;

  constructor(
    private readonly socket: Socket,
    readonly session: Session,
    private readonly server: ServerContext,
    private readonly limits: ConnectionLimits,
  ) {
    this.parser = new RequestParser(limits.maxInputBytes, () => session.authenticated);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Delivers a published event if this client subscribed to its channel or a matching pattern. */
  deliver(event: EncodedEvent): void {
    if (this.closed) return;
    const frames = deliveryFor(this.session, event, this.session.protocol);
    // Inside a batch (an event published by this client's own command) it keeps its place in order.
    if (frames === '') return;
    if (this.batch !== null) this.batch.push(frames);
    else this.writeText(frames);
  }

  /** Closes at once, dropping unwritten output (slow clients, CLIENT KILL, shutdown). */
  destroy(reason: string): void {
    // Also for a client already closing (QUIT, protocol error) whose peer has not closed its side.
    if (this.socket.destroyed) return;
    this.closed = true;
    this.queue.length = 0;
    this.server.logger.debug(
      { client: this.session.address, id: this.session.id, reason },
      'sentinel client closed',
    );
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.server.stats.netInputBytes += chunk.length;
    this.unparsedBytes += chunk.length;
    if (this.unparsedBytes > this.limits.maxInputBytes) {
      this.protocolError(`request larger than ${this.limits.maxInputBytes} bytes`);
      return;
    }
    let parsed = this.parser.feed(chunk);
    this.batched(() => {
      for (;;) {
        // Requests before a bad one in the same chunk are answered first, then the error, as Redis does.
        for (const request of parsed.requests) this.onRequest(request);
        if (parsed.error !== null) this.protocolError(parsed.error);
        this.pump();
        // Before AUTH the parser hands over one request at a time; what it runs decides the rest's limits.
        if (!parsed.more || this.closed || this.busy) return;
        parsed = this.parser.resume();
      }
    });
  }

  /**
   * Runs `answer` with the replies it writes gathered into one socket write: a pipeline of
   * lookups costs one write (and one system call), not one per reply.
   */
  private batched(answer: () => void): void {
    if (this.batch !== null) {
      answer();
      return;
    }
    const batch: string[] = [];
    this.batch = batch;
    try {
      answer();
    } finally {
      this.batch = null;
    }
    if (batch.length > 0) this.writeText(batch.length === 1 ? (batch[0] as string) : batch.join(''));
  }

  private onRequest(request: string[]): void {
    if (this.closed) return;
    this.unparsedBytes = this.parser.buffered;
    if (this.queue.length >= this.limits.maxQueuedCommands) {
      this.protocolError(`more than ${this.limits.maxQueuedCommands} pipelined commands`);
      return;
    }
    this.queue.push(request);
    // Run at once, so replies to the requests before a later protocol error in the same chunk are sent first.
    this.pump();
  }

  /** Runs queued commands in order; an asynchronous one holds the rest (and reading) until it answers. */
  private pump(): void {
    while (!this.busy && !this.closed) {
      const args = this.queue.shift();
      if (args === undefined) return;
      const result = dispatch(this.server, this.session, args);
      if (result instanceof Promise) {
        this.busy = true;
        this.socket.pause();
        void result.then((reply) => {
          this.busy = false;
          this.batched(() => {
            this.reply(reply);
            if (!this.closed) this.socket.resume();
            this.pump();
          });
        });
        return;
      }
      this.reply(result);
    }
  }

  private reply(reply: Reply): void {
    if (this.closed) return;
    if (reply.kind === 'error') this.server.stats.errorReplies++;
    this.write(reply);
    if (this.session.closeAfterReply) this.closeAfterFlush();
  }

  /** Encodes in the session's current protocol, so HELLO 3's own reply is already RESP3. */
  private write(reply: Reply): void {
    const text = encodeText(reply, this.session.protocol);
    if (this.batch !== null && !this.closed) this.batch.push(text);
    else this.writeText(text);
  }

  private writeText(text: string): void {
    if (this.closed) return;
    this.server.stats.netOutputBytes += Buffer.byteLength(text);
    this.socket.write(text);
    if (this.socket.writableLength > this.limits.maxOutputBytes) {
      this.server.logger.warn(
        { client: this.session.address, id: this.session.id, bufferedBytes: this.socket.writableLength },
        'sentinel client does not read its replies: disconnected',
      );
      this.destroy('output buffer limit');
    }
  }

  /** Garbage on the wire: tell the client why, then close only this connection. */
  private protocolError(message: string): void {
    if (this.closed) return;
    this.server.logger.warn(
      { client: this.session.address, id: this.session.id, message },
      'sentinel protocol error',
    );
    this.server.stats.errorReplies++;
    this.write(error(`ERR Protocol error: ${message}`));
    this.closeAfterFlush();
  }

  /** Sends what is written, then closes; a peer that never closes its side is cut off after a grace period. */
  private closeAfterFlush(): void {
    if (this.closed && this.socket.destroyed) return;
    if (this.batch !== null && this.batch.length > 0) {
      // The replies gathered so far go out before the close.
      const pending = this.batch.join('');
      this.batch.length = 0;
      this.writeText(pending);
    }
    this.closed = true;
    this.queue.length = 0;
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }
}
