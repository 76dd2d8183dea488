/** Bound values of an assembled statement, numbered `$1`, `$2`… as they are added. */
export class Params {
  readonly values: unknown[] = []
  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}
