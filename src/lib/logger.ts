import pino, { type Logger } from 'pino'

export type { Logger }

/**
 * JSON lines on stdout. Secrets never reach a log line: request logs carry no headers or bodies,
 * and these paths are redacted wherever an object is logged.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'secret', '*.secret'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  )
}
