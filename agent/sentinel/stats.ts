// The server's counters behind INFO's `# Stats` section: the Redis `stat_*` fields a Sentinel reports that this server can count truthfully.

export interface ServerStats {
  /** Clients accepted (`total_connections_received`); those refused at `maxclients` are not. */
  connectionsReceived: number;
  /** Clients refused at `maxclients` (`rejected_connections`). */
  rejectedConnections: number;
  /** Commands that reached their handler (`total_commands_processed`); rejected ones do not count, as in Redis. */
  commandsProcessed: number;
  netInputBytes: number;
  /** Replies and pub/sub messages written to clients. */
  netOutputBytes: number;
  /** Error replies of every kind, rejections included (`total_error_replies`). */
  errorReplies: number;
  /** Bytes of every client's channel and pattern names: bounded, as every event is matched against them. */
  subscriptionBytes: number;
  /**
   * TLS clients dropped before they became clients: a failed or timed-out handshake, or a client
   * certificate refused. Not in INFO (Redis has no such field); the server exposes it.
   */
  tlsHandshakeFailures: number;
}

export function newServerStats(): ServerStats {
  return {
    connectionsReceived: 0,
    rejectedConnections: 0,
    commandsProcessed: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    errorReplies: 0,
    subscriptionBytes: 0,
    tlsHandshakeFailures: 0,
  };
}
