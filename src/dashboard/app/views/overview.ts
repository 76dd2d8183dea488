import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { Api } from '../../api.ts'
import { Alert, html, isoDay, money, useLoad } from '../ui.ts'

export interface Summary {
  from: string
  to: string
  orders: { count: number; by_status: Record<string, number> }
  revenue_cents: number
  average_order_cents: number
  top_products: { product_id: string; name: string; quantity: number; revenue_cents: number }[]
  sales_by_day: { date: string; orders: number; revenue_cents: number }[]
  low_stock: { product_id: string; sku: string; name: string; stock: number }[]
  customers: { total: number; new: number }
}

/** sales_by_day as uPlot columns: x in epoch seconds, revenue in currency units, order counts. */
export function salesSeries(days: Summary['sales_by_day']): [number[], number[], number[]] {
  return [days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000), days.map((d) => d.revenue_cents / 100), days.map((d) => d.orders)]
}

const compactMoney = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 })
const dayLabel = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' })

function SalesPlot({ days }: { days: Summary['sales_by_day'] }) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = box.current!
    const width = () => Math.max(280, element.clientWidth)
    const plot = new uPlot(
      {
        width: width(),
        height: 260,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        series: [
          { value: (_u, ts) => (ts == null ? '—' : dayLabel.format(new Date(ts * 1000))) },
          {
            label: 'Revenue',
            stroke: '#2563eb',
            fill: 'rgba(37,99,235,0.35)',
            scale: 'money',
            paths: uPlot.paths.bars?.({ size: [0.7, 48] }),
            points: { show: false },
            value: (_u, v) => (v == null ? '—' : money(v * 100)),
          },
          { label: 'Orders', stroke: '#d97706', width: 2, scale: 'count', points: { show: true, size: 6 }, value: (_u, v) => (v == null ? '—' : String(v)) },
        ],
        axes: [
          // One tick per day, week or month: the data is daily, hours would be noise.
          { space: 56, incrs: [86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400], values: (_u, ticks) => ticks.map((ts) => dayLabel.format(new Date(ts * 1000))) },
          { scale: 'money', values: (_u, values) => values.map((v) => compactMoney.format(v)), size: 64 },
          { scale: 'count', side: 1, grid: { show: false }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        ],
        // Half a day either side, so the first and last bars are whole.
        scales: { x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] }, count: { range: (_u, _min, max) => [0, Math.max(1, max)] }, money: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      },
      salesSeries(days),
      element,
    )
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: 260 }))
    observer.observe(element)
    return () => {
      observer.disconnect()
      plot.destroy()
    }
  }, [days])
  return html`<div class="plot" ref=${box} role="img" aria-label=${`Sales by day: ${days.reduce((n, d) => n + d.orders, 0)} orders over ${days.length} days`}></div>`
}

export function Overview({ api }: { api: Api }) {
  const today = new Date()
  const [range, setRange] = useState({ from: isoDay(new Date(today.getTime() - 29 * 86_400_000)), to: isoDay(today) })
  const summary = useLoad(() => api.json<Summary>(`/admin/reports/summary?${new URLSearchParams(range)}`), [range.from, range.to])
  const data = summary.data
  return html`
    <form class="filters" onSubmit=${(e: Event) => e.preventDefault()}>
      <div class="field"><label for="overview-from">From</label>
        <input id="overview-from" type="date" value=${range.from} max=${range.to} onChange=${(e: Event) => setRange({ ...range, from: (e.target as HTMLInputElement).value })} /></div>
      <div class="field"><label for="overview-to">To</label>
        <input id="overview-to" type="date" value=${range.to} min=${range.from} onChange=${(e: Event) => setRange({ ...range, to: (e.target as HTMLInputElement).value })} /></div>
      <button type="button" onClick=${summary.reload}>Refresh</button>
      <p class="muted note">Revenue counts paid, shipped and delivered orders. A range's figures are cached for up to 30 seconds.</p>
    </form>
    <${Alert} message=${summary.error} />
    ${data &&
    html`<section class="stats" aria-label="Totals">
        <div class="stat"><span>Orders</span><strong data-stat="orders">${data.orders.count}</strong></div>
        <div class="stat"><span>Revenue</span><strong data-stat="revenue">${money(data.revenue_cents)}</strong></div>
        <div class="stat"><span>Average order</span><strong>${money(data.average_order_cents)}</strong></div>
        <div class="stat"><span>Customers</span><strong>${data.customers.total} <small>(${data.customers.new} new)</small></strong></div>
      </section>
      <section class="panel">
        <h2>Sales by day</h2>
        <${SalesPlot} days=${data.sales_by_day} />
      </section>
      <div class="columns">
        <section class="panel">
          <h2>Orders by status</h2>
          <div class="table-wrap"><table><thead><tr><th scope="col">Status</th><th scope="col" class="num">Orders</th></tr></thead>
            <tbody>${Object.entries(data.orders.by_status).map(([status, count]) => html`<tr><td><span class=${`badge status-${status}`}>${status}</span></td><td class="num" data-status=${status}>${count}</td></tr>`)}</tbody></table></div>
        </section>
        <section class="panel">
          <h2>Top products</h2>
          ${data.top_products.length
            ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Product</th><th scope="col" class="num">Qty</th><th scope="col" class="num">Revenue</th></tr></thead>
              <tbody>${data.top_products.map((p) => html`<tr><td>${p.name}</td><td class="num">${p.quantity}</td><td class="num">${money(p.revenue_cents)}</td></tr>`)}</tbody></table></div>`
            : html`<p class="muted">No sales in this range.</p>`}
        </section>
        <section class="panel">
          <h2>Low stock</h2>
          ${data.low_stock.length
            ? html`<div class="table-wrap"><table><thead><tr><th scope="col">SKU</th><th scope="col">Name</th><th scope="col" class="num">Stock</th></tr></thead>
              <tbody>${data.low_stock.map((p) => html`<tr><td><code>${p.sku}</code></td><td>${p.name}</td><td class="num">${p.stock}</td></tr>`)}</tbody></table></div>`
            : html`<p class="muted">Nothing is low.</p>`}
        </section>
      </div>`}
  `
}
