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

/** The parts of pino's SonicBoom destination that `flushLogger` reads. */
interface SonicBoomState {
  _writing?: unknown
  flushSync?: () => void
}

/**
 * Resolves once every line logged so far is written: call it before the process exits.
 * SonicBoom's own `flush(cb)` calls back at once when its minLength is 0 (ours), even with a
 * write in flight, so the last lines ("stopped") could be lost to a pipe.
 */
export async function flushLogger(logger: Logger, timeoutMs = 2_000): Promise<void> {
  const stream = (logger as unknown as Record<symbol, SonicBoomState | undefined>)[pino.symbols.streamSym]
  if (!stream || typeof stream._writing !== 'boolean' || typeof stream.flushSync !== 'function') return
  const deadline = performance.now() + timeoutMs
  while (stream._writing && performance.now() < deadline) await Bun.sleep(1)
  // Idle now: what is still buffered goes out in order, on this thread.
  if (!stream._writing) stream.flushSync()
}
