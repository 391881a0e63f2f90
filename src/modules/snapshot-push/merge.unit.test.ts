import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { jsonEqual, mergeItem, type Content, type Json, type MergeOptions } from './merge.ts'

/** Each rule of SPEC §7.5's three-way merge, item by item and field by field. */

const keepLocal: MergeOptions = { conflictPolicy: 'keep-local', removeDeleted: false }
const takeSnapshot: MergeOptions = { conflictPolicy: 'take-snapshot', removeDeleted: false }

const automation = (overrides: Record<string, unknown> = {}): Content => ({
  name: 'Follow up',
  description: 'Nudge after a day',
  event: 'lead.created',
  trigger_type: 'inbound',
  source_statuses: ['New', 'Contacted'],
  actions: { targetStage: 'Qualified', sendToWebhook: false, webhookPayload: { a: 1, b: 2 } },
  conditions: [{ source: 'lead', field: 'score', operator: 'gt', value: 10 }],
  max_transitions: 3,
  enabled: true,
  ...(overrides as Content),
})

describe('three-way merge of a push', () => {
  it('new in the snapshot: created', () => {
    const theirs = automation()
    assert.deepEqual(mergeItem({ base: null, theirs, mine: null }, keepLocal), { action: 'create', write: theirs, fields: [], conflicts: 0 })
  })

  it('new in the snapshot, a local item has its name: conflict, nothing created, under both policies', () => {
    for (const options of [keepLocal, takeSnapshot]) {
      const result = mergeItem({ base: null, theirs: automation(), mine: null, nameTaken: true }, options)
      assert.equal(result.action, 'conflict')
      assert.equal(result.write, null)
      assert.equal(result.conflicts, 1)
      assert.match(result.reason!, /name/)
    }
  })

  it('removed from the snapshot: kept without removeDeleted, reported', () => {
    const base = automation()
    const result = mergeItem({ base, theirs: null, mine: base }, keepLocal)
    assert.equal(result.action, 'keep')
    assert.equal(result.write, null)
    assert.match(result.reason!, /removeDeleted/)
  })

  it('removed from the snapshot with removeDeleted: deleted when unchanged locally, kept when changed', () => {
    const base = automation()
    const options = { ...keepLocal, removeDeleted: true }
    assert.equal(mergeItem({ base, theirs: null, mine: base }, options).action, 'delete')
    const changed = mergeItem({ base, theirs: null, mine: automation({ description: 'mine' }) }, options)
    assert.equal(changed.action, 'keep')
    assert.deepEqual(changed.fields, [{ path: '/description', side: 'local' }])
    assert.match(changed.reason!, /changed locally/)
  })

  it('removed from the snapshot and deleted locally: nothing to do', () => {
    assert.equal(mergeItem({ base: automation(), theirs: null, mine: null }, { ...keepLocal, removeDeleted: true }).action, 'keep')
  })

  it('changed in the snapshot, unchanged locally: updated to the snapshot', () => {
    const base = automation()
    const theirs = automation({ description: 'Nudge after two days', max_transitions: 5 })
    const result = mergeItem({ base, theirs, mine: base }, keepLocal)
    assert.equal(result.action, 'update')
    assert.deepEqual(result.write, theirs)
    assert.deepEqual(result.fields, [
      { path: '/description', side: 'snapshot' },
      { path: '/max_transitions', side: 'snapshot' },
    ])
  })

  it('unchanged in the snapshot, changed locally: kept as it is', () => {
    const base = automation()
    const result = mergeItem({ base, theirs: base, mine: automation({ description: 'mine' }) }, keepLocal)
    assert.deepEqual(result, { action: 'keep', write: null, fields: [], conflicts: 0 })
  })

  it('changed on both sides, different fields: merged, no conflict', () => {
    const base = automation()
    const result = mergeItem({ base, theirs: automation({ description: 'theirs' }), mine: automation({ max_transitions: 9 }) }, keepLocal)
    assert.equal(result.action, 'update')
    assert.deepEqual(result.write, automation({ description: 'theirs', max_transitions: 9 }))
    assert.deepEqual(result.fields, [{ path: '/description', side: 'snapshot' }])
  })

  it('changed on both sides, same field: a conflict settled by the policy and reported either way', () => {
    const base = automation()
    const theirs = automation({ description: 'theirs', event: 'lead.updated' })
    const mine = automation({ description: 'mine' })
    const kept = mergeItem({ base, theirs, mine }, keepLocal)
    assert.equal(kept.action, 'conflict')
    assert.equal(kept.conflicts, 1)
    assert.deepEqual(kept.write, automation({ description: 'mine', event: 'lead.updated' }), 'the other field still merges')
    assert.deepEqual(kept.fields, [
      { path: '/description', side: 'conflict', resolution: 'local' },
      { path: '/event', side: 'snapshot' },
    ])
    const taken = mergeItem({ base, theirs, mine }, takeSnapshot)
    assert.equal(taken.action, 'conflict')
    assert.deepEqual(taken.write, theirs)
    assert.deepEqual(taken.fields[0], { path: '/description', side: 'conflict', resolution: 'snapshot' })
  })

  it('a conflict kept local with nothing else to merge writes nothing', () => {
    const base = automation()
    const result = mergeItem({ base, theirs: automation({ description: 'theirs' }), mine: automation({ description: 'mine' }) }, keepLocal)
    assert.equal(result.action, 'conflict')
    assert.equal(result.write, null)
  })

  it('the same change on both sides is no conflict', () => {
    const base = automation()
    const both = automation({ description: 'same' })
    assert.deepEqual(mergeItem({ base, theirs: both, mine: both }, keepLocal), { action: 'keep', write: null, fields: [], conflicts: 0 })
  })

  it('deleted locally: stays deleted, reported as keep, even when the snapshot changed it', () => {
    const result = mergeItem({ base: automation(), theirs: automation({ description: 'theirs' }), mine: null }, takeSnapshot)
    assert.equal(result.action, 'keep')
    assert.equal(result.write, null)
    assert.match(result.reason!, /Deleted locally/)
  })

  it('nested JSON merges by path: different keys of actions both survive', () => {
    const base = automation()
    const theirs = automation({ actions: { targetStage: 'Won', sendToWebhook: false, webhookPayload: { a: 1, b: 2 } } })
    const mine = automation({ actions: { targetStage: 'Qualified', sendToWebhook: true, webhookPayload: { a: 1, b: 3 } } })
    const result = mergeItem({ base, theirs, mine }, keepLocal)
    assert.equal(result.action, 'update')
    assert.deepEqual(result.write!.actions, { targetStage: 'Won', sendToWebhook: true, webhookPayload: { a: 1, b: 3 } })
    assert.deepEqual(result.fields, [{ path: '/actions/targetStage', side: 'snapshot' }])
  })

  it('nested JSON: a key added on one side and a key removed on the other', () => {
    const base = automation()
    const theirs = automation({ actions: { targetStage: 'Qualified', sendToWebhook: false, webhookPayload: { a: 1, b: 2 }, agentId: 'x' } })
    const mine = automation({ actions: { targetStage: 'Qualified', webhookPayload: { a: 1, b: 2 } } })
    const result = mergeItem({ base, theirs, mine }, keepLocal)
    assert.deepEqual(result.write!.actions, { targetStage: 'Qualified', webhookPayload: { a: 1, b: 2 }, agentId: 'x' })
    assert.deepEqual(result.fields, [{ path: '/actions/agentId', side: 'snapshot' }])
  })

  it('nested JSON: the same path changed on both sides is a conflict at that path only', () => {
    const base = automation()
    const theirs = automation({ actions: { targetStage: 'Won', sendToWebhook: false, webhookPayload: { a: 1, b: 2 } } })
    const mine = automation({ actions: { targetStage: 'Lost', sendToWebhook: true, webhookPayload: { a: 1, b: 2 } } })
    const result = mergeItem({ base, theirs, mine }, takeSnapshot)
    assert.equal(result.action, 'conflict')
    assert.deepEqual(result.write!.actions, { targetStage: 'Won', sendToWebhook: true, webhookPayload: { a: 1, b: 2 } })
    assert.deepEqual(result.fields, [{ path: '/actions/targetStage', side: 'conflict', resolution: 'snapshot' }])
  })

  it('conditions merge element by element when no side added or removed one', () => {
    const condition = (value: number, operator = 'gt') => ({ source: 'lead', field: 'score', operator, value })
    const base = automation({ conditions: [condition(10), condition(1)] })
    const theirs = automation({ conditions: [condition(20), condition(1)] })
    const mine = automation({ conditions: [condition(10), condition(1, 'lt')] })
    const result = mergeItem({ base, theirs, mine }, keepLocal)
    assert.deepEqual(result.write!.conditions, [condition(20), condition(1, 'lt')])
    assert.deepEqual(result.fields, [{ path: '/conditions/0/value', side: 'snapshot' }])
  })

  it('conditions whose length changed on both sides are one value: a conflict', () => {
    const condition = (value: number) => ({ source: 'lead', field: 'score', operator: 'gt', value })
    const base = automation({ conditions: [condition(1)] })
    const theirs = automation({ conditions: [condition(1), condition(2)] })
    const mine = automation({ conditions: [] })
    const result = mergeItem({ base, theirs, mine }, keepLocal)
    assert.equal(result.action, 'conflict')
    assert.deepEqual(result.fields, [{ path: '/conditions', side: 'conflict', resolution: 'local' }])
    assert.equal(result.write, null)
  })

  it('dynamic-property sections merge by section name and by property key', () => {
    const section = (name: string, properties: Record<string, Json>, isHidden = false) => ({ name, isHidden, properties })
    const prop = (name: string, dataType = 'text') => ({ name, dataType, isHidden: false })
    const base: Content = { type: 'Contact', sections: [section('Basics', { age: prop('Age', 'number') }), section('Extra', {})] }
    const theirs: Content = {
      type: 'Contact',
      sections: [section('Basics', { age: prop('Age', 'number'), city: prop('City') }), section('Extra', {}), section('New', {})],
    }
    const mine: Content = { type: 'Contact', sections: [section('Basics', { age: prop('Years', 'number') }), section('Extra', {}, true)] }
    const result = mergeItem({ base, theirs, mine }, keepLocal)
    assert.equal(result.action, 'update')
    assert.deepEqual(result.write!.sections, [
      section('Basics', { age: prop('Years', 'number'), city: prop('City') }),
      section('Extra', {}, true),
      section('New', {}),
    ])
    assert.deepEqual(result.fields, [
      { path: '/sections/0/properties/city', side: 'snapshot' },
      { path: '/sections/2', side: 'snapshot' },
    ])
  })

  it('a section removed in the snapshot and untouched locally is removed; one removed locally stays removed', () => {
    const section = (name: string) => ({ name, isHidden: false, properties: {} })
    const base: Content = { type: 'Contact', sections: [section('A'), section('B'), section('C')] }
    const theirs: Content = { type: 'Contact', sections: [section('A'), section('C')] }
    const mine: Content = { type: 'Contact', sections: [section('B'), section('C')] }
    const result = mergeItem({ base, theirs, mine }, keepLocal)
    assert.deepEqual(result.write!.sections, [section('C')])
  })

  it('compares JSON structurally, whatever the key order', () => {
    assert.ok(jsonEqual({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }))
    assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: null }))
    assert.ok(!jsonEqual([1, 2], [2, 1]))
  })
})
