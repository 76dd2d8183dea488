/**
 * Polls `condition` until it holds or `ms` passed; returns whether it held. For what arrives
 * asynchronously (a NOTIFY, a pub/sub message): the test asserts the result, so a bound that runs
 * out fails it, and nothing sleeps a fixed time.
 */
export async function within(ms: number, condition: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = performance.now() + ms
  for (;;) {
    if (await condition()) return true
    if (performance.now() > deadline) return false
    await Bun.sleep(5)
  }
}
