/** Exit codes of the kiosk executable (sysexits.h where one fits). */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  /** EX_UNAVAILABLE: the port or the data folder is taken by someone else. */
  UNAVAILABLE: 69,
  /** EX_CONFIG: a bad setting. */
  CONFIG: 78,
} as const

/** Start-up or command failure with a one-line reason for the operator and its exit code. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message)
  }
}
