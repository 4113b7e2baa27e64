/** JSON logging (pino). Secrets are never passed to the logger; the redact list is a second net. */
import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACT_PATHS } from './authFields';

export type { Logger };

/** The levels `--log-level` accepts (pino's, plus silent). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A logger at `level`, writing JSON lines to `destination` (stderr by default). */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { name: 'bkpaas-exporter' },
      redact: {
        paths: [...REDACT_PATHS],
        censor: '***',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
