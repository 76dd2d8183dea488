/** An RFC 9457 problem document as the API sends it. */
export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  errors?: { path: string; message: string; in?: string }[]
}

export interface FieldProblems {
  /** Messages by form field name ("sku", "items.0.quantity"). */
  fields: Record<string, string>
  /** What names no field of the form: shown above it. */
  general: string | undefined
}

/** "/items/0/quantity" → "items.0.quantity"; "/" or "" → "" (the whole body). */
export function fieldOf(path: string): string {
  return path.replace(/^\//, '').split('/').filter(Boolean).join('.')
}

/**
 * Places a problem's `errors[]` next to the form fields they name. Errors naming a field the form
 * does not have (or none) join the general message, so nothing the API said is lost.
 */
export function mapProblem(problem: Problem, formFields: readonly string[]): FieldProblems {
  const fields: Record<string, string> = {}
  const rest: string[] = []
  for (const error of problem.errors ?? []) {
    const field = fieldOf(error.path)
    if (formFields.includes(field)) fields[field] = fields[field] ? `${fields[field]}; ${error.message}` : error.message
    else rest.push(field ? `${field}: ${error.message}` : error.message)
  }
  const headline = problem.detail ?? problem.title ?? `HTTP ${problem.status}`
  const general = Object.keys(fields).length && !rest.length ? undefined : [headline, ...rest.filter((r) => r !== headline)].join(' — ')
  return { fields, general }
}

/** Image uploads answer 413 and 415 without `errors`: those belong to the file field. */
export function mapImageProblem(problem: Problem): FieldProblems {
  if (problem.status === 413 || problem.status === 415) return { fields: { file: problem.detail ?? problem.title ?? 'rejected' }, general: undefined }
  return mapProblem(problem, ['file'])
}
