// The `message` / `pmessage` frames a subscriber receives for one published event, as RESP bytes.
import { globMatch } from './glob.js';
import type { Protocol } from './resp.js';
import type { Session } from './session.js';
import type { SentinelEvent } from './source.js';

/** The parts of an event's frames that every subscriber shares, encoded once per event. */
export interface EncodedEvent {
  readonly event: SentinelEvent;
  /** `$<len>\r\n<channel>\r\n$<len>\r\n<payload>\r\n` */
  readonly channelAndPayload: string;
}

function bulkText(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

export function encodeEvent(event: SentinelEvent): EncodedEvent {
  return { event, channelAndPayload: `${bulkText(event.name)}${bulkText(event.payload)}` };
}

/**
 * Redis order: the channel's `message` first, then one `pmessage` per matching pattern; RESP3
 * sends them as push frames. One string per subscriber, so a client with a thousand matching
 * patterns costs one write and few allocations, not a thousand of each.
 */
export function deliveryFor(session: Session, encoded: EncodedEvent, protocol: Protocol): string {
  const aggregate = protocol === 3 ? '>' : '*';
  const { event, channelAndPayload } = encoded;
  let out = '';
  if (session.channels.has(event.name)) out += `${aggregate}3\r\n$7\r\nmessage\r\n${channelAndPayload}`;
  for (const pattern of session.patterns) {
    if (globMatch(pattern, event.name)) {
      out += `${aggregate}4\r\n$8\r\npmessage\r\n${bulkText(pattern)}${channelAndPayload}`;
    }
  }
  return out;
}
