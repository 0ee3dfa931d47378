// Structured logging (pino): one root logger, a child per group/voter/node with bound fields.
import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: LoggerOptions['level'], agentId: string): Logger {
  return pino({
    level: level ?? 'info',
    base: { agent: agentId },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets that may sit in a logged object by mistake.
    redact: {
      paths: ['*.password', '*.token', '*.adminToken', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
