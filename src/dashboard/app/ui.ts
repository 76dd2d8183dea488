import { html } from 'htm/preact'
import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { describeError } from '../messages.ts'
import { hasNext, hasPrevious, type Paging } from '../paging.ts'

export { html, describeError }

const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' })
/** Minor units to a display amount (the store currency is echoed on orders; summaries use USD formatting). */
export const money = (cents: number, code = 'USD') =>
  code === 'USD' ? currency.format(cents / 100) : `${(cents / 100).toFixed(2)} ${code}`
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString('en-GB', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' }) + ' UTC' : '—')
export const isoDay = (date: Date) => date.toISOString().slice(0, 10)

/** Loads data for a screen; `reload` runs it again (after a change). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true })
  const run = useCallback(() => {
    setState((previous) => ({ ...previous, loading: true }))
    load().then(
      (data) => setState({ data, loading: false }),
      (error) => setState({ error: describeError(error), loading: false }),
    )
  }, deps)
  useEffect(run, [run])
  return { ...state, reload: run }
}

export const Alert = ({ message, kind = 'error' }: { message?: string; kind?: 'error' | 'info' }) =>
  message ? html`<p class=${`alert alert-${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>${message}</p>` : null

interface FieldProps {
  label: string
  name: string
  error?: string
  children?: ComponentChildren
  hint?: string
  /** Spans both columns of a two-column form. */
  wide?: boolean
}

/** A label, its control (the child), and the problem the API named for it. */
export function Field({ label, name, error, children, hint, wide }: FieldProps) {
  const id = `field-${name}`
  return html`<div class=${`field${error ? ' field-invalid' : ''}${wide ? ' field-wide' : ''}`}>
    <label for=${id}>${label}</label>
    ${children}
    ${hint && !error ? html`<small class="hint">${hint}</small>` : null}
    ${error ? html`<small class="field-error" id=${`${id}-error`} role="alert">${error}</small>` : null}
  </div>`
}

/** Props for an input inside Field: id, name, and the aria wiring to its error. */
export const control = (name: string, error?: string) => ({
  id: `field-${name}`,
  name,
  'aria-invalid': error ? 'true' : undefined,
  'aria-describedby': error ? `field-${name}-error` : undefined,
})

export function Pager({ paging, onPrevious, onNext }: { paging: Paging; onPrevious: () => void; onNext: () => void }) {
  return html`<nav class="pager" aria-label="Pages">
    <button type="button" onClick=${onPrevious} disabled=${!hasPrevious(paging)}>← Previous</button>
    <span>Page ${paging.index + 1}</span>
    <button type="button" onClick=${onNext} disabled=${!hasNext(paging)}>Next →</button>
  </nav>`
}

/** Saves a response body as a file: fetched with the bearer token, handed over as a blob: URL. */
export async function download(response: Response, fallbackName: string) {
  const disposition = response.headers.get('content-disposition') ?? ''
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Reads a form's fields as strings. */
export const formValues = (form: HTMLFormElement) =>
  Object.fromEntries([...new FormData(form).entries()].map(([key, value]) => [key, typeof value === 'string' ? value : ''])) as Record<string, string>
