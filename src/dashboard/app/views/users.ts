import { useState } from 'preact/hooks'
import { ApiError, type Api } from '../../api.ts'
import { firstPage, listQuery, loaded, nextPage, previousPage } from '../../paging.ts'
import { mapProblem, type FieldProblems } from '../../problems.ts'
import { userChangeMessage } from '../../messages.ts'
import { Alert, control, describeError, Field, formValues, html, Pager, useLoad, when } from '../ui.ts'

interface User {
  id: string
  email: string
  name: string
  role: 'user' | 'admin'
  active: boolean
  created_at: string
}

const FIELDS = ['email', 'password', 'name', 'role']

function NewUser({ api, onDone }: { api: Api; onDone: (message?: string) => void }) {
  const [problems, setProblems] = useState<FieldProblems>({ fields: {}, general: undefined })
  const errors = problems.fields
  const submit = async (event: Event) => {
    event.preventDefault()
    const values = formValues(event.currentTarget as HTMLFormElement)
    try {
      const user = await api.json<User>('/users', { method: 'POST', json: { email: values.email, password: values.password, name: values.name, role: values.role } })
      onDone(`Created ${user.email}.`)
    } catch (failure) {
      setProblems(failure instanceof ApiError ? mapProblem(failure.problem, FIELDS) : { fields: {}, general: describeError(failure) })
    }
  }
  return html`<form class="panel form-grid" onSubmit=${submit} aria-label="New user" novalidate>
    <h2>New user</h2>
    <${Alert} message=${problems.general} />
    <${Field} label="Email" name="email" error=${errors.email}><input ...${control('email', errors.email)} type="email" autocomplete="off" required /></${Field}>
    <${Field} label="Name" name="name" error=${errors.name}><input ...${control('name', errors.name)} required /></${Field}>
    <${Field} label="Password" name="password" error=${errors.password} hint="8 to 128 characters"><input ...${control('password', errors.password)} type="password" autocomplete="new-password" required /></${Field}>
    <${Field} label="Role" name="role" error=${errors.role}><select ...${control('role', errors.role)}><option value="user">user</option><option value="admin">admin</option></select></${Field}>
    <div class="actions"><button class="primary" type="submit">Create user</button><button type="button" onClick=${() => onDone()}>Cancel</button></div>
  </form>`
}

export function Users({ api }: { api: Api }) {
  const [filters, setFilters] = useState({ q: '', role: '', active: '' })
  const [paging, setPaging] = useState(firstPage())
  const [creating, setCreating] = useState(false)
  const [notice, setNotice] = useState<string>()
  const [error, setError] = useState<string>()
  const list = useLoad(async () => {
    const page = await api.json<{ items: User[]; next_cursor: string | null }>(`/users?${listQuery(filters, paging)}`)
    setPaging((current) => loaded(current, page.next_cursor))
    return page.items
  }, [filters.q, filters.role, filters.active, paging.index, paging.cursors.length])

  const change = async (user: User, body: Partial<User> | 'deactivate', message: string) => {
    setError(undefined)
    setNotice(undefined)
    try {
      if (body === 'deactivate') await api.json(`/users/${user.id}`, { method: 'DELETE' })
      else await api.json(`/users/${user.id}`, { method: 'PATCH', json: body })
      setNotice(message)
    } catch (failure) {
      setError(userChangeMessage(failure))
    }
    list.reload()
  }
  const search = (event: Event) => {
    event.preventDefault()
    const values = formValues(event.currentTarget as HTMLFormElement)
    setFilters({ q: values.q ?? '', role: values.role ?? '', active: values.active ?? '' })
    setPaging(firstPage())
  }
  return html`
    <form class="filters" onSubmit=${search} role="search">
      <div class="field grow"><label for="users-q">Search</label><input id="users-q" name="q" type="search" defaultValue=${filters.q} placeholder="email or name" /></div>
      <div class="field"><label for="users-role">Role</label><select id="users-role" name="role"><option value="">Any</option><option value="user">user</option><option value="admin">admin</option></select></div>
      <div class="field"><label for="users-active">State</label><select id="users-active" name="active"><option value="">Any</option><option value="true">active</option><option value="false">deactivated</option></select></div>
      <button type="submit">Search</button>
      <button class="primary" type="button" onClick=${() => setCreating(true)}>New user</button>
    </form>
    <${Alert} message=${notice} kind="info" />
    <${Alert} message=${error ?? list.error} />
    ${creating && html`<${NewUser} api=${api} onDone=${(message?: string) => { setCreating(false); setNotice(message); list.reload() }} />`}
    <div class="table-wrap"><table class="list">
      <thead><tr><th scope="col">Email</th><th scope="col" class="opt">Name</th><th scope="col">Role</th><th scope="col">State</th><th scope="col" class="opt">Since</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${(list.data ?? []).map(
          (u) => html`<tr>
            <td>${u.email}</td><td class="opt">${u.name}</td>
            <td><label class="visually-hidden" for=${`role-${u.id}`}>Role of ${u.email}</label>
              <select id=${`role-${u.id}`} value=${u.role} onChange=${(e: Event) => change(u, { role: (e.target as HTMLSelectElement).value as User['role'] }, `${u.email} is now ${(e.target as HTMLSelectElement).value}.`)}>
                <option value="user" selected=${u.role === 'user'}>user</option><option value="admin" selected=${u.role === 'admin'}>admin</option></select></td>
            <td>${u.active ? html`<span class="badge status-paid">active</span>` : html`<span class="badge status-cancelled">deactivated</span>`}</td>
            <td class="opt">${when(u.created_at)}</td>
            <td>${u.active
              ? html`<button type="button" class="danger" onClick=${() => change(u, 'deactivate', `Deactivated ${u.email}.`)} aria-label=${`Deactivate ${u.email}`}>Deactivate</button>`
              : html`<button type="button" onClick=${() => change(u, { active: true }, `Reactivated ${u.email}.`)} aria-label=${`Reactivate ${u.email}`}>Reactivate</button>`}</td>
          </tr>`,
        )}
        ${list.data?.length === 0 && html`<tr><td colspan="6" class="muted">No users match.</td></tr>`}
      </tbody>
    </table></div>
    <${Pager} paging=${paging} onPrevious=${() => setPaging(previousPage)} onNext=${() => setPaging(nextPage)} />
  `
}
