import { useState } from 'preact/hooks'
import type { Api } from '../../api.ts'
import { Alert, describeError, download, html, useLoad, when } from '../ui.ts'

interface Snapshot {
  name: string
  size: number
  created_at: string
}

export function Snapshots({ api }: { api: Api }) {
  const list = useLoad(() => api.json<{ items: Snapshot[] }>('/admin/reports/snapshots').then((page) => page.items), [])
  const [error, setError] = useState<string>()
  const [notice, setNotice] = useState<string>()
  const [busy, setBusy] = useState(false)
  const create = async () => {
    setBusy(true)
    setError(undefined)
    try {
      const snapshot = await api.json<Snapshot>('/admin/reports/snapshots', { method: 'POST' })
      setNotice(`Wrote ${snapshot.name}.`)
      list.reload()
    } catch (failure) {
      setError(describeError(failure))
    } finally {
      setBusy(false)
    }
  }
  const fetchOne = async (snapshot: Snapshot) => {
    try {
      await download(await api.raw(`/admin/reports/snapshots/${encodeURIComponent(snapshot.name)}`), snapshot.name)
    } catch (failure) {
      setError(describeError(failure))
    }
  }
  return html`
    <p class="muted">A snapshot is the summary of the last 30 days, stored as a JSON file. The REPORT_CRON job writes one on schedule.</p>
    <div class="actions"><button class="primary" type="button" onClick=${create} disabled=${busy}>${busy ? 'Writing…' : 'Create snapshot now'}</button></div>
    <${Alert} message=${notice} kind="info" />
    <${Alert} message=${error ?? list.error} />
    <div class="table-wrap"><table class="list">
      <thead><tr><th scope="col">Name</th><th scope="col" class="num">Size</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${(list.data ?? []).map(
          (s) => html`<tr><td><code>${s.name}</code></td><td class="num">${(s.size / 1024).toFixed(1)} KiB</td><td>${when(s.created_at)}</td>
            <td><button type="button" onClick=${() => fetchOne(s)} aria-label=${`Download ${s.name}`}>Download</button></td></tr>`,
        )}
        ${list.data?.length === 0 && html`<tr><td colspan="4" class="muted">No snapshots yet.</td></tr>`}
      </tbody>
    </table></div>
  `
}
