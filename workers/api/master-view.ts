// How a published config is shown to clients, and ETag matching for it.
import { type Config, parseNodeId } from '../protocol/index.js';
import { publishedSince } from '../voter/contract.js';
import type { Master } from './schemas.js';

/** `since` is the leader's publication time carried in the config: the same from every voter. */
export function toMaster(group: string, config: Config): Master {
  const { host, port } = parseNodeId(config.master);
  return { group, host, port, epoch: config.epoch, since: publishedSince(config) };
}

/** The master's ETag is its epoch: one config per epoch, so equal epochs mean the same master. */
export function etagOf(config: Config): string {
  return `"${config.epoch}"`;
}

/** RFC 9110 If-None-Match: a list of (possibly weak) tags, or `*`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
