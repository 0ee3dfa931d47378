// Which `message` / `pmessage` frames a subscriber receives for one published event.
import { globMatch } from './glob.js';
import { bulk, push, type Reply } from './resp.js';
import type { Session } from './session.js';
import type { SentinelEvent } from './source.js';

/** Redis order: the channel's `message` first, then one `pmessage` per matching pattern. */
export function framesFor(session: Session, event: SentinelEvent): Reply[] {
  const frames: Reply[] = [];
  if (session.channels.has(event.name)) {
    frames.push(push([bulk('message'), bulk(event.name), bulk(event.payload)]));
  }
  for (const pattern of session.patterns) {
    if (globMatch(pattern, event.name)) {
      frames.push(push([bulk('pmessage'), bulk(pattern), bulk(event.name), bulk(event.payload)]));
    }
  }
  return frames;
}
