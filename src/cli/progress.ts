/**
 * Progress of a long CLI step: a redrawn bar on a terminal, plain lines otherwise (logs, CI,
 * pipes), so output stays readable wherever it goes.
 */
export interface Progress {
  /** Starts a step of `total` units. */
  step(label: string, total: number): { advance(units: number): void; done(summary?: string): void }
}

const WIDTH = 28

export function createProgress(stream: NodeJS.WriteStream = process.stdout): Progress {
  const tty = Boolean(stream.isTTY)
  return {
    step(label, total) {
      let current = 0
      let drawnPercent = -1
      const draw = () => {
        const fraction = total ? Math.min(1, current / total) : 1
        const percent = Math.floor(fraction * 100)
        if (percent === drawnPercent) return
        drawnPercent = percent
        const filled = Math.round(fraction * WIDTH)
        stream.write(`\r${label.padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(percent).padStart(3)}% ${current}/${total}`)
      }
      if (tty) draw()
      return {
        advance(units) {
          current += units
          if (tty) draw()
        },
        done(summary) {
          current = total
          if (tty) {
            drawnPercent = -1
            draw()
            stream.write('\n')
          }
          if (summary || !tty) stream.write(`${label}: ${summary ?? `${total} done`}\n`)
        },
      }
    },
  }
}

/** A progress that prints nothing (tests). */
export const silentProgress: Progress = { step: () => ({ advance() {}, done() {} }) }
