import { useState } from 'preact/hooks'
import { ApiError, type Api } from '../../api.ts'
import { firstPage, listQuery, loaded, nextPage, previousPage } from '../../paging.ts'
import { mapImageProblem, mapProblem, type FieldProblems } from '../../problems.ts'
import { productBody } from '../../forms.ts'
import { Alert, control, describeError, Field, formValues, html, money, Pager, useLoad } from '../ui.ts'

export interface Product {
  id: string
  sku: string
  name: string
  description: string
  category: string | null
  price_cents: number
  stock: number
  active: boolean
  image_url: string | null
  updated_at: string
}

const FIELDS = ['sku', 'name', 'description', 'category', 'price_cents', 'stock', 'active'] as const
const SORTS = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['name', 'Name A–Z'],
  ['-name', 'Name Z–A'],
  ['price', 'Price, low to high'],
  ['-price', 'Price, high to low'],
] as const

const imageSrc = (product: Product) => (product.image_url ? `${product.image_url}?v=${encodeURIComponent(product.updated_at)}` : undefined)

function ProductForm({ api, product, onDone }: { api: Api; product?: Product; onDone: (message: string) => void }) {
  const [problems, setProblems] = useState<FieldProblems>({ fields: {}, general: undefined })
  const [busy, setBusy] = useState(false)
  const [preview, setPreview] = useState<string | undefined>(product && imageSrc(product))
  const [file, setFile] = useState<File>()
  // Set once the product exists (editing, or created by this form): later saves update it.
  const [saved, setSaved] = useState(product)
  const errors = problems.fields

  const pick = (event: Event) => {
    const chosen = (event.target as HTMLInputElement).files?.[0]
    setFile(chosen)
    if (chosen) setPreview(URL.createObjectURL(chosen))
  }
  const submit = async (event: Event) => {
    event.preventDefault()
    const form = event.currentTarget as HTMLFormElement
    const body = productBody(formValues(form), (form.elements.namedItem('active') as HTMLInputElement).checked)
    setBusy(true)
    setProblems({ fields: {}, general: undefined })
    try {
      const stored = saved
        ? await api.json<Product>(`/products/${saved.id}`, { method: 'PATCH', json: body })
        : await api.json<Product>('/products', { method: 'POST', json: body })
      setSaved(stored)
      if (file) {
        const upload = new FormData()
        upload.set('file', file)
        try {
          await api.raw(`/products/${stored.id}/image`, { method: 'PUT', body: upload })
        } catch (failure) {
          if (!(failure instanceof ApiError)) throw failure
          // The product is saved; the form stays open on it so the image can be fixed.
          const image = mapImageProblem(failure.problem)
          setProblems({ fields: image.fields, general: image.general ?? `Saved ${stored.sku}, but the image was refused.` })
          return
        }
      }
      onDone(saved ? `Saved ${stored.sku}.` : `Created ${stored.sku}.`)
    } catch (failure) {
      if (failure instanceof ApiError) setProblems(mapProblem(failure.problem, [...FIELDS]))
      else setProblems({ fields: {}, general: describeError(failure) })
    } finally {
      setBusy(false)
    }
  }
  return html`<form class="panel form-grid" onSubmit=${submit} aria-label=${product ? `Edit ${product.sku}` : 'New product'} novalidate>
    <h2>${product ? `Edit ${product.sku}` : 'New product'}</h2>
    <${Alert} message=${problems.general} />
    <${Field} label="SKU" name="sku" error=${errors.sku}><input ...${control('sku', errors.sku)} defaultValue=${product?.sku} required maxlength="64" /></${Field}>
    <${Field} label="Name" name="name" error=${errors.name}><input ...${control('name', errors.name)} defaultValue=${product?.name} required /></${Field}>
    <${Field} label="Price" name="price_cents" error=${errors.price_cents} hint="In the store currency, e.g. 12.50">
      <input ...${control('price_cents', errors.price_cents)} name="price" inputmode="decimal" defaultValue=${product ? (product.price_cents / 100).toFixed(2) : ''} required />
    </${Field}>
    <${Field} label="Stock" name="stock" error=${errors.stock}><input ...${control('stock', errors.stock)} inputmode="numeric" defaultValue=${product?.stock ?? 0} /></${Field}>
    <${Field} label="Category" name="category" error=${errors.category}><input ...${control('category', errors.category)} defaultValue=${product?.category ?? ''} /></${Field}>
    <${Field} label="Image" name="file" error=${errors.file} hint="PNG, JPEG, WebP or GIF">
      <input ...${control('file', errors.file)} type="file" accept="image/png,image/jpeg,image/webp,image/gif" onChange=${pick} />
    </${Field}>
    <${Field} label="Description" name="description" wide error=${errors.description}><textarea ...${control('description', errors.description)} rows="3" defaultValue=${product?.description ?? ''}></textarea></${Field}>
    <div class="field field-check">
      <input type="checkbox" id="field-active" name="active" defaultChecked=${product?.active ?? true} />
      <label for="field-active">Active (listed in the catalog)</label>
    </div>
    ${preview && html`<img class="preview" src=${preview} alt="Image preview" onError=${() => setPreview(undefined)} />`}
    <div class="actions">
      <button class="primary" type="submit" disabled=${busy}>${busy ? 'Saving…' : saved ? 'Save' : 'Create product'}</button>
      <button type="button" onClick=${() => onDone('')}>Cancel</button>
    </div>
  </form>`
}

export function Products({ api }: { api: Api }) {
  const [filters, setFilters] = useState({ q: '', sort: '-created_at' })
  const [paging, setPaging] = useState(firstPage())
  const [editing, setEditing] = useState<Product | 'new'>()
  const [notice, setNotice] = useState<string>()
  const [failure, setFailure] = useState<string>()
  const list = useLoad(async () => {
    const page = await api.json<{ items: Product[]; next_cursor: string | null }>(`/products?${listQuery(filters, paging)}`)
    setPaging((current) => loaded(current, page.next_cursor))
    return page.items
  }, [filters.q, filters.sort, paging.index, paging.cursors.length])

  const search = (event: Event) => {
    event.preventDefault()
    const values = formValues(event.currentTarget as HTMLFormElement)
    setFilters({ q: values.q ?? '', sort: values.sort ?? '-created_at' })
    setPaging(firstPage())
  }
  const remove = async (product: Product) => {
    if (!confirm(`Delete ${product.sku}? A product that orders reference is archived instead.`)) return
    try {
      await api.json(`/products/${product.id}`, { method: 'DELETE' })
      setNotice(`Deleted (or archived) ${product.sku}.`)
      list.reload()
    } catch (error) {
      setFailure(describeError(error))
    }
  }
  const done = (message: string) => {
    setEditing(undefined)
    setNotice(message || undefined)
    list.reload()
  }

  return html`
    <form class="filters" onSubmit=${search} role="search">
      <div class="field grow"><label for="products-q">Search</label><input id="products-q" name="q" type="search" defaultValue=${filters.q} placeholder="name, description or sku" /></div>
      <div class="field"><label for="products-sort">Sort</label>
        <select id="products-sort" name="sort" onChange=${(e: Event) => ((e.target as HTMLSelectElement).form!.requestSubmit())}>
          ${SORTS.map(([value, label]) => html`<option value=${value} selected=${filters.sort === value}>${label}</option>`)}
        </select></div>
      <button type="submit">Search</button>
      <button class="primary" type="button" onClick=${() => setEditing('new')}>New product</button>
    </form>
    <${Alert} message=${notice} kind="info" />
    <${Alert} message=${failure ?? list.error} />
    ${editing && html`<${ProductForm} key=${editing === 'new' ? 'new' : editing.id} api=${api} product=${editing === 'new' ? undefined : editing} onDone=${done} />`}
    <div class="table-wrap"><table class="list">
      <thead><tr><th scope="col" class="opt">Image</th><th scope="col">SKU</th><th scope="col">Name</th><th scope="col" class="num">Price</th><th scope="col" class="num">Stock</th><th scope="col" class="opt">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${(list.data ?? []).map(
          (p) => html`<tr>
            <td class="opt">${p.image_url ? html`<img class="thumb" src=${imageSrc(p)} alt="" />` : html`<span class="muted">—</span>`}</td>
            <td><code>${p.sku}</code></td><td>${p.name}</td><td class="num">${money(p.price_cents)}</td><td class="num">${p.stock}</td>
            <td class="opt">${p.active ? html`<span class="badge status-paid">active</span>` : html`<span class="badge status-cancelled">archived</span>`}</td>
            <td class="row-actions"><button type="button" onClick=${() => setEditing(p)} aria-label=${`Edit ${p.sku}`}>Edit</button>
              <button type="button" class="danger" onClick=${() => remove(p)} aria-label=${`Delete ${p.sku}`}>Delete</button></td>
          </tr>`,
        )}
        ${list.data?.length === 0 && html`<tr><td colspan="7" class="muted">No products.</td></tr>`}
      </tbody>
    </table></div>
    <${Pager} paging=${paging} onPrevious=${() => setPaging(previousPage)} onNext=${() => setPaging(nextPage)} />
  `
}
