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

interface Sample {
  readonly atMs: number;
  readonly commands: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/** Redis's window for its instantaneous rates: 16 samples, one every 100 ms. */
const SAMPLE_EVERY_MS = 100;
const WINDOW_MS = 1600;
const SAMPLES = 32;

export interface InstantaneousRates {
  readonly opsPerSec: number;
  readonly inputKbps: number;
  readonly outputKbps: number;
}

/**
 * INFO's `instantaneous_*` rates over about the last 1.6 s, like Redis's. Redis samples on its
 * 100 ms timer; here a sample is taken when a command runs or INFO asks (at most one per 100 ms),
 * so an idle server costs nothing and still reads 0 after a quiet spell.
 */
export class RateSampler {
  private readonly samples: Sample[] = [];

  sample(stats: ServerStats, nowMs: number): void {
    const last = this.samples.at(-1);
    if (last !== undefined && nowMs - last.atMs < SAMPLE_EVERY_MS) return;
    this.samples.push({
      atMs: nowMs,
      commands: stats.commandsProcessed,
      inputBytes: stats.netInputBytes,
      outputBytes: stats.netOutputBytes,
    });
    if (this.samples.length > SAMPLES) this.samples.shift();
  }

  rates(stats: ServerStats, nowMs: number): InstantaneousRates {
    // From the newest sample at least a window old (or the oldest kept) to now.
    let from: Sample | undefined = this.samples[0];
    for (const sample of this.samples) if (nowMs - sample.atMs >= WINDOW_MS) from = sample;
    const elapsedMs = from === undefined ? 0 : nowMs - from.atMs;
    if (from === undefined || elapsedMs <= 0) return { opsPerSec: 0, inputKbps: 0, outputKbps: 0 };
    const perSecond = (delta: number) => (delta * 1000) / elapsedMs;
    return {
      opsPerSec: Math.round(perSecond(stats.commandsProcessed - from.commands)),
      inputKbps: perSecond(stats.netInputBytes - from.inputBytes) / 1024,
      outputKbps: perSecond(stats.netOutputBytes - from.outputBytes) / 1024,
    };
  }
}
