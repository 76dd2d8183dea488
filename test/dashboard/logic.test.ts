import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { currentCursor, firstPage, hasNext, hasPrevious, listQuery, loaded, nextPage, previousPage } from '../../src/dashboard/paging.ts'
import { fieldOf, mapImageProblem, mapProblem } from '../../src/dashboard/problems.ts'
import { productBody } from '../../src/dashboard/forms.ts'
import { TRANSITIONS } from '../../src/dashboard/transitions.ts'
import { canTransition } from '../../src/modules/orders/status-machine.ts'
import { orderStatuses } from '../../src/db/schema.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe('problem-to-field mapping', () => {
  test('JSON pointers become form field names', () => {
    expect(fieldOf('/sku')).toBe('sku')
    expect(fieldOf('/items/0/quantity')).toBe('items.0.quantity')
    expect(fieldOf('/')).toBe('')
    expect(fieldOf('')).toBe('')
  })

  test('errors naming a field of the form go next to it; the headline is not repeated above', () => {
    const mapped = mapProblem(
      { status: 422, title: 'Unprocessable Content', detail: 'Validation failed.', errors: [{ path: '/sku', message: 'too long' }, { path: '/price_cents', message: 'must be an integer' }] },
      ['sku', 'name', 'price_cents'],
    )
    expect(mapped).toEqual({ fields: { sku: 'too long', price_cents: 'must be an integer' }, general: undefined })
  })

  test('two errors on one field are both kept', () => {
    expect(mapProblem({ status: 422, errors: [{ path: '/name', message: 'a' }, { path: '/name', message: 'b' }] }, ['name']).fields).toEqual({ name: 'a; b' })
  })

  test('errors naming no field of the form, or the whole body, join the general message', () => {
    const mapped = mapProblem(
      { status: 422, detail: 'Validation failed.', errors: [{ path: '/', message: 'Expected object' }, { path: '/role', message: 'unknown' }, { path: '/sku', message: 'bad' }] },
      ['sku'],
    )
    expect(mapped).toEqual({ fields: { sku: 'bad' }, general: 'Validation failed. — Expected object — role: unknown' })
  })

  test('a problem without errors (409 last admin, 429) is one general message', () => {
    expect(mapProblem({ status: 409, title: 'Conflict', detail: 'This would leave no active administrator.' }, ['role'])).toEqual({
      fields: {},
      general: 'This would leave no active administrator.',
    })
    expect(mapProblem({ status: 500 }, []).general).toBe('HTTP 500')
  })

  test('413 and 415 of an image upload belong to the file field', () => {
    expect(mapImageProblem({ status: 415, detail: 'The image must be PNG, JPEG, WebP or GIF.' })).toEqual({ fields: { file: 'The image must be PNG, JPEG, WebP or GIF.' }, general: undefined })
    expect(mapImageProblem({ status: 413, title: 'Payload Too Large' })).toEqual({ fields: { file: 'Payload Too Large' }, general: undefined })
    expect(mapImageProblem({ status: 404, detail: 'No such product.' })).toEqual({ fields: {}, general: 'No such product.' })
  })
})

describe('cursor paging', () => {
  test('next remembers the cursors seen, previous goes back without a backward cursor', () => {
    let paging = loaded(firstPage(), 'c1')
    expect([hasPrevious(paging), hasNext(paging), currentCursor(paging)]).toEqual([false, true, null])
    paging = nextPage(paging)
    expect([paging.index, currentCursor(paging), hasNext(paging)]).toEqual([1, 'c1', false])
    paging = nextPage(loaded(paging, 'c2'))
    expect([paging.index, currentCursor(paging)]).toEqual([2, 'c2'])
    paging = loaded(paging, null)
    expect(nextPage(paging)).toBe(paging)
    paging = previousPage(paging)
    expect([paging.index, currentCursor(paging), paging.cursors]).toEqual([1, 'c1', [null, 'c1']])
    paging = previousPage(previousPage(paging))
    expect([paging.index, currentCursor(paging)]).toEqual([0, null])
  })

  test('the list query leaves empty filters out and carries the page cursor', () => {
    expect(listQuery({ q: 'mug', status: '', role: undefined }, firstPage())).toBe('q=mug&limit=20')
    expect(listQuery({ q: 'a b&c' }, nextPage(loaded(firstPage(), 'abc=')), 50)).toBe('q=a+b%26c&limit=50&cursor=abc%3D')
  })
})

describe('forms and state machine', () => {
  test('a product form becomes a body in cents; what is not a number is left for the API to name', () => {
    expect(productBody({ sku: ' MUG-1 ', name: 'Mug', description: '', category: '', price: '12.50', stock: '7' }, true)).toEqual({
      sku: 'MUG-1', name: 'Mug', description: '', category: null, price_cents: 1250, stock: 7, active: true,
    })
    expect(productBody({ sku: 'A', name: 'B', price: '0.07', stock: '0', category: ' cups ' }, false)).toMatchObject({ price_cents: 7, stock: 0, category: 'cups', active: false })
    expect(productBody({ price: 'twelve', stock: '-1' }, true)).toMatchObject({ price_cents: 'twelve', stock: '-1' })
  })

  test('the buttons offered are exactly the transitions the API allows', () => {
    for (const from of orderStatuses) {
      for (const to of orderStatuses) expect(`${from}→${to}:${TRANSITIONS[from]!.includes(to)}`).toBe(`${from}→${to}:${canTransition(from, to)}`)
    }
  })
})
