import { useState } from 'preact/hooks'
import { ApiError, type Api } from '../../api.ts'
import { firstPage, listQuery, loaded, nextPage, previousPage } from '../../paging.ts'
import { mapProblem, type FieldProblems } from '../../problems.ts'
import { Alert, control, describeError, Field, html, Pager, useLoad, when } from '../ui.ts'

interface Endpoint {
  id: string
  url: string
  events: string[]
  active: boolean
  created_at: string
  secret?: string
}
interface Delivery {
  id: string
  event_type: string
  status: string
  attempts: number
  last_status_code: number | null
  last_error: string | null
  next_attempt_at: string | null
  delivered_at: string | null
}

const EVENTS = ['order.created', 'order.status_changed', 'product.low_stock'] as const

function Deliveries({ api, endpoint }: { api: Api; endpoint: Endpoint }) {
  const [paging, setPaging] = useState(firstPage())
  const list = useLoad(async () => {
    const page = await api.json<{ items: Delivery[]; next_cursor: string | null }>(`/admin/webhooks/${endpoint.id}/deliveries?${listQuery({}, paging)}`)
    setPaging((current) => loaded(current, page.next_cursor))
    return page.items
  }, [endpoint.id, paging.index, paging.cursors.length])
  return html`<section class="panel" aria-label="Deliveries">
    <h2>Deliveries to <code>${endpoint.url}</code> <button type="button" onClick=${list.reload}>Refresh</button></h2>
    <${Alert} message=${list.error} />
    <div class="table-wrap"><table class="list deliveries">
      <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last answer</th><th scope="col">Delivered / next try</th></tr></thead>
      <tbody>
        ${(list.data ?? []).map(
          (d) => html`<tr><td>${d.event_type}</td><td><span class=${`badge delivery-${d.status}`}>${d.status}</span></td><td class="num">${d.attempts}</td>
            <td>${d.last_status_code ?? ''} ${d.last_error ? html`<span class="error-text">${d.last_error}</span>` : null}</td>
            <td>${d.delivered_at ? when(d.delivered_at) : d.next_attempt_at ? `next ${when(d.next_attempt_at)}` : '—'}</td></tr>`,
        )}
        ${list.data?.length === 0 && html`<tr><td colspan="5" class="muted">No deliveries yet.</td></tr>`}
      </tbody>
    </table></div>
    <${Pager} paging=${paging} onPrevious=${() => setPaging(previousPage)} onNext=${() => setPaging(nextPage)} />
  </section>`
}

export function Webhooks({ api }: { api: Api }) {
  const list = useLoad(() => api.json<{ items: Endpoint[] }>('/admin/webhooks').then((page) => page.items), [])
  const [problems, setProblems] = useState<FieldProblems>({ fields: {}, general: undefined })
  const [created, setCreated] = useState<Endpoint>()
  const [copied, setCopied] = useState(false)
  const [selected, setSelected] = useState<Endpoint>()
  const [error, setError] = useState<string>()
  const errors = problems.fields

  const create = async (event: Event) => {
    event.preventDefault()
    const form = event.currentTarget as HTMLFormElement
    const data = new FormData(form)
    setProblems({ fields: {}, general: undefined })
    try {
      const endpoint = await api.json<Endpoint>('/admin/webhooks', { method: 'POST', json: { url: String(data.get('url') ?? ''), events: data.getAll('events').map(String) } })
      setCreated(endpoint)
      setCopied(false)
      form.reset()
      list.reload()
    } catch (failure) {
      setProblems(failure instanceof ApiError ? mapProblem(failure.problem, ['url', 'events']) : { fields: {}, general: describeError(failure) })
    }
  }
  const remove = async (endpoint: Endpoint) => {
    if (!confirm(`Delete the webhook to ${endpoint.url}?`)) return
    try {
      await api.json(`/admin/webhooks/${endpoint.id}`, { method: 'DELETE' })
      if (selected?.id === endpoint.id) setSelected(undefined)
      list.reload()
    } catch (failure) {
      setError(describeError(failure))
    }
  }
  const copy = async () => {
    await navigator.clipboard.writeText(created!.secret!).then(
      () => setCopied(true),
      () => setError('The browser refused the clipboard: select the secret and copy it by hand.'),
    )
  }
  return html`
    <form class="panel form-grid" onSubmit=${create} aria-label="New webhook" novalidate>
      <h2>New webhook</h2>
      <${Alert} message=${problems.general} />
      <${Field} label="Target URL" name="url" error=${errors.url}><input ...${control('url', errors.url)} type="url" placeholder="https://example.com/hooks/kiosk" required /></${Field}>
      <fieldset class=${`field${errors.events ? ' field-invalid' : ''}`} aria-describedby=${errors.events ? 'field-events-error' : undefined}>
        <legend>Events</legend>
        ${EVENTS.map((name) => html`<label class="check"><input type="checkbox" name="events" value=${name} checked /> ${name}</label>`)}
        ${errors.events && html`<small class="field-error" id="field-events-error" role="alert">${errors.events}</small>`}
      </fieldset>
      <div class="actions"><button class="primary" type="submit">Create webhook</button></div>
    </form>
    ${created?.secret &&
    html`<section class="panel secret" aria-label="Signing secret" role="status">
      <p><strong>Signing secret for ${created.url}.</strong> It is shown only now: store it where the receiver can verify signatures.</p>
      <div class="secret-row"><label class="visually-hidden" for="webhook-secret">Secret</label><input id="webhook-secret" readonly value=${created.secret} />
        <button type="button" onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button>
        <button type="button" onClick=${() => setCreated(undefined)}>Done</button></div>
    </section>`}
    <${Alert} message=${error ?? list.error} />
    <div class="table-wrap"><table class="list">
      <thead><tr><th scope="col">URL</th><th scope="col" class="opt">Events</th><th scope="col" class="opt">State</th><th scope="col" class="opt">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${(list.data ?? []).map(
          (w) => html`<tr aria-selected=${selected?.id === w.id ? 'true' : undefined}>
            <td><code class="url">${w.url}</code></td><td class="opt">${w.events.join(', ')}</td><td class="opt">${w.active ? 'active' : 'inactive'}</td><td class="opt">${when(w.created_at)}</td>
            <td class="row-actions"><button type="button" onClick=${() => setSelected(w)} aria-label=${`Deliveries to ${w.url}`}>Deliveries</button>
              <button type="button" class="danger" onClick=${() => remove(w)} aria-label=${`Delete webhook to ${w.url}`}>Delete</button></td>
          </tr>`,
        )}
        ${list.data?.length === 0 && html`<tr><td colspan="5" class="muted">No webhooks yet.</td></tr>`}
      </tbody>
    </table></div>
    ${selected && html`<${Deliveries} key=${selected.id} api=${api} endpoint=${selected} />`}
  `
}
