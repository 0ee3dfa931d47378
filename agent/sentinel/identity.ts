// What the server says it is: the Redis version it claims and its own version.

/**
 * Claimed in HELLO and INFO. 7.2 is the first Redis with `CLIENT SETINFO`, which this server
 * accepts; clients only compare versions to decide whether to send commands like that one.
 */
export const REDIS_VERSION = '7.2.0';

export const EDGE_SENTINEL_VERSION = '0.1.0';
