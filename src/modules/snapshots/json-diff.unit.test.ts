import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { diffFields } from './json-diff.ts'

describe('diffFields', () => {
  it('finds nothing between equal values, whatever the key order', () => {
    assert.deepEqual(diffFields({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), [])
  })

  it('reports a renamed item at /name', () => {
    assert.deepEqual(diffFields({ name: 'Old', x: 1 }, { name: 'New', x: 1 }), [{ path: '/name', from: 'Old', to: 'New' }])
  })

  it('goes into nested objects and same-length arrays', () => {
    const from = { actions: { targetStage: 'Won', agentId: 'a1' }, conditions: [{ field: 'channel', value: 'sms' }] }
    const to = { actions: { targetStage: 'Lost', agentId: 'a1' }, conditions: [{ field: 'channel', value: 'email' }] }
    assert.deepEqual(diffFields(from, to), [
      { path: '/actions/targetStage', from: 'Won', to: 'Lost' },
      { path: '/conditions/0/value', from: 'sms', to: 'email' },
    ])
  })

  it('reports an array whose length changed whole, and added or removed keys with one side absent', () => {
    assert.deepEqual(diffFields({ s: ['A'], gone: 1 }, { s: ['A', 'B'], added: true }), [
      { path: '/added', to: true },
      { path: '/gone', from: 1 },
      { path: '/s', from: ['A'], to: ['A', 'B'] },
    ])
  })

  it('escapes ~ and / in keys as JSON Pointer says', () => {
    assert.deepEqual(diffFields({ 'a/b~c': 1 }, { 'a/b~c': 2 }), [{ path: '/a~1b~0c', from: 1, to: 2 }])
  })

  it('reports a change of type at the field', () => {
    assert.deepEqual(diffFields({ v: { x: 1 } }, { v: null }), [{ path: '/v', from: { x: 1 }, to: null }])
  })
})
