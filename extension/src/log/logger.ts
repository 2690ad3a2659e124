/**
 * The extension's structured log: pino JSON lines on stdout, written synchronously (no worker threads, nothing
 * lost when the process exits right after SHUTDOWN). Records other tools read carry `evt` (docs/contracts.md).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../../../protocol/config';

export function createLogger(level: LogLevel, dest?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { ext: 'sentinel' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Keep the level as a word: CloudWatch Logs Insights and humans read it more easily.
      formatters: { level: (label) => ({ level: label }) },
    },
    dest ?? pino.destination({ fd: 1, sync: true }),
  );
}
