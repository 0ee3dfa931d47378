// Reading a text/event-stream body (the coordinator's /events stream), for the CLI and the launcher.

export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
}

/** Splits a text/event-stream body into frames (blank-line separated); comments are skipped. */
export async function* sseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: { id?: string; event?: string; data?: string } = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || line === '') continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
        else if (field === 'id') frame.id = value;
        else if (field === 'event') frame.event = value;
      }
      if (frame.data !== undefined || frame.event !== undefined) yield frame;
    }
  }
}
