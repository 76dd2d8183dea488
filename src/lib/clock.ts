/** Time, injectable: tests move it forward instead of sleeping. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock that stands still until told to move. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2026-01-01T00:00:00.000Z')) {}
  now() {
    return new Date(this.current)
  }
  set(at: Date | string) {
    this.current = new Date(at)
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms)
  }
}
