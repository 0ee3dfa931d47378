// Structured logging (pino): one root logger, a child per group/voter/node with bound fields; its level as Redis names it, changed at runtime.
import { type Logger, type LoggerOptions, pino } from 'pino';
import type { SentinelLogLevel } from '../sentinel/source.js';

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

/**
 * Each Redis level as pino's, one to one: pino has one level below `info` for each of Redis's two
 * below `notice` (`debug` → trace, `verbose` → debug), `notice` is the default `info`, `warning`
 * keeps warnings and errors, `nothing` is silent.
 */
const PINO_LEVEL: Record<SentinelLogLevel, string> = {
  debug: 'trace',
  verbose: 'debug',
  notice: 'info',
  warning: 'warn',
  nothing: 'silent',
};

/** The Redis level a pino level shows as; `error` and `fatal` (file-only) show as `warning`, the nearest. */
export function sentinelLogLevel(logger: Logger): SentinelLogLevel {
  switch (logger.level) {
    case 'trace':
      return 'debug';
    case 'debug':
      return 'verbose';
    case 'info':
      return 'notice';
    case 'silent':
      return 'nothing';
    default:
      return 'warning';
  }
}

/**
 * Sets the level of `logger` and of every child made from it (pino children read the level of
 * the logger they come from unless given their own, which the agent never does).
 */
export function setSentinelLogLevel(logger: Logger, level: SentinelLogLevel): void {
  logger.level = PINO_LEVEL[level];
}
