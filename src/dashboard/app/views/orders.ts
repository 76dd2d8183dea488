import { useState } from 'preact/hooks'
import type { Api } from '../../api.ts'
import { firstPage, listQuery, loaded, nextPage, previousPage } from '../../paging.ts'
import { TRANSITIONS } from '../../transitions.ts'
import { Alert, describeError, download, formValues, html, money, Pager, useLoad, when } from '../ui.ts'

export interface Order {
  id: string
  user_id: string
  status: string
  items: { product_id: string; sku: string; name: string; unit_price_cents: number; quantity: number; line_total_cents: number }[]
  total_cents: number
  currency: string
  note: string | null
  history: { from: string | null; to: string; at: string; by: string | null }[]
  created_at: string
}

const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const

const LABELS: Record<string, string> = { paid: 'Mark paid', shipped: 'Mark shipped', delivered: 'Mark delivered', cancelled: 'Cancel order' }

function OrderDetail({ api, order, onChanged }: { api: Api; order: Order; onChanged: (order: Order) => void }) {
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const move = async (to: string) => {
    if (to === 'cancelled' && !confirm('Cancel this order? Its stock goes back to the catalog.')) return
    setBusy(true)
    setError(undefined)
    try {
      // Cancelling has its own route (it restocks); the other moves are PATCH {status}.
      const next =
        to === 'cancelled'
          ? await api.json<Order>(`/orders/${order.id}/cancel`, { method: 'POST' })
          : await api.json<Order>(`/orders/${order.id}`, { method: 'PATCH', json: { status: to } })
      onChanged(next)
    } catch (failure) {
      setError(describeError(failure))
    } finally {
      setBusy(false)
    }
  }
  return html`<section class="panel order-detail" aria-label=${`Order ${order.id}`}>
    <h2>Order <code>${order.id.slice(-12)}</code> <span class=${`badge status-${order.status}`} data-order-status>${order.status}</span></h2>
    <p class="muted">Placed ${when(order.created_at)} by <code>${order.user_id}</code>${order.note ? html` · “${order.note}”` : null}</p>
    <${Alert} message=${error} />
    <div class="actions">
      ${TRANSITIONS[order.status]?.map(
        (to) => html`<button type="button" class=${to === 'cancelled' ? 'danger' : 'primary'} disabled=${busy} onClick=${() => move(to)}>${LABELS[to]}</button>`,
      )}
      ${!TRANSITIONS[order.status]?.length && html`<span class="muted">No further status changes.</span>`}
    </div>
    <h3>Lines</h3>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">SKU</th><th scope="col">Name</th><th scope="col" class="num">Unit</th><th scope="col" class="num">Qty</th><th scope="col" class="num">Total</th></tr></thead>
      <tbody>${order.items.map((line) => html`<tr><td><code>${line.sku}</code></td><td>${line.name}</td><td class="num">${money(line.unit_price_cents, order.currency)}</td><td class="num">${line.quantity}</td><td class="num">${money(line.line_total_cents, order.currency)}</td></tr>`)}</tbody>
      <tfoot><tr><th scope="row" colspan="4">Total</th><td class="num"><strong>${money(order.total_cents, order.currency)}</strong></td></tr></tfoot>
    </table></div>
    <h3>History</h3>
    <ol class="history">${order.history.map((h) => html`<li>${when(h.at)}: ${h.from ?? 'new'} → <strong>${h.to}</strong>${h.by ? html` <span class="muted">by ${h.by}</span>` : null}</li>`)}</ol>
  </section>`
}

export function Orders({ api }: { api: Api }) {
  const [filters, setFilters] = useState({ status: '', from: '', to: '' })
  const [paging, setPaging] = useState(firstPage())
  const [selected, setSelected] = useState<Order>()
  const [error, setError] = useState<string>()
  const list = useLoad(async () => {
    const page = await api.json<{ items: Order[]; next_cursor: string | null }>(`/orders?${listQuery(filters, paging)}`)
    setPaging((current) => loaded(current, page.next_cursor))
    return page.items
  }, [filters.status, filters.from, filters.to, paging.index, paging.cursors.length])

  const filter = (event: Event) => {
    event.preventDefault()
    const values = formValues(event.currentTarget as HTMLFormElement)
    setFilters({ status: values.status ?? '', from: values.from ?? '', to: values.to ?? '' })
    setPaging(firstPage())
    setSelected(undefined)
  }
  const exportCsv = async () => {
    setError(undefined)
    try {
      const range = new URLSearchParams(Object.entries({ from: filters.from, to: filters.to }).filter(([, v]) => v))
      const response = await api.raw(`/admin/reports/orders.csv?${range}`)
      await download(response, `orders-${filters.from || 'last-30-days'}-${filters.to || 'today'}.csv`)
    } catch (failure) {
      setError(describeError(failure))
    }
  }
  return html`
    <form class="filters" onSubmit=${filter}>
      <div class="field"><label for="orders-status">Status</label>
        <select id="orders-status" name="status"><option value="">Any</option>${STATUSES.map((s) => html`<option value=${s} selected=${filters.status === s}>${s}</option>`)}</select></div>
      <div class="field"><label for="orders-from">From</label><input id="orders-from" name="from" type="date" defaultValue=${filters.from} /></div>
      <div class="field"><label for="orders-to">To</label><input id="orders-to" name="to" type="date" defaultValue=${filters.to} /></div>
      <button type="submit">Filter</button>
      <button type="button" onClick=${exportCsv}>Export CSV</button>
    </form>
    <${Alert} message=${error ?? list.error} />
    ${selected &&
    html`<${OrderDetail} key=${selected.id} api=${api} order=${selected} onChanged=${(order: Order) => {
      setSelected(order)
      list.reload()
    }} />`}
    <div class="table-wrap"><table class="list">
      <thead><tr><th scope="col">Placed</th><th scope="col" class="opt">Order</th><th scope="col">Status</th><th scope="col" class="num opt">Lines</th><th scope="col" class="num">Total</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${(list.data ?? []).map(
          (o) => html`<tr aria-selected=${selected?.id === o.id ? 'true' : undefined}>
            <td>${when(o.created_at)}</td><td class="opt"><code>${o.id.slice(-12)}</code></td>
            <td><span class=${`badge status-${o.status}`}>${o.status}</span></td><td class="num opt">${o.items.length}</td>
            <td class="num">${money(o.total_cents, o.currency)}</td>
            <td><button type="button" onClick=${() => setSelected(o)} aria-label=${`Open order ${o.id}`}>Open</button></td>
          </tr>`,
        )}
        ${list.data?.length === 0 && html`<tr><td colspan="6" class="muted">No orders match.</td></tr>`}
      </tbody>
    </table></div>
    <${Pager} paging=${paging} onPrevious=${() => setPaging(previousPage)} onNext=${() => setPaging(nextPage)} />
  `
}
