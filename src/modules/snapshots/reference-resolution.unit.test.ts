import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveReferences } from './reference-resolution.ts'
import type { SnapshotRef } from './snapshot.schemas.ts'

const stage = (automationName: string, field: 'sourceStatuses' | 'targetStage', value: string): SnapshotRef => ({
  automationName,
  field,
  value,
  refType: 'pipelineStage',
  fieldLocation: field === 'targetStage' ? 'actions' : 'root',
})
const agent = (automationName: string, value: string, agentName: string | null): SnapshotRef => ({
  automationName,
  field: 'agentId',
  value,
  refType: 'agent',
  fieldLocation: 'actions',
  agentName,
})

const target = {
  stageNames: new Set(['New', 'Reached Out', 'Hot']),
  agents: [
    { id: 'a'.repeat(24), name: 'Closer' },
    { id: 'b'.repeat(24), name: 'Helper' },
  ],
}

describe('resolveReferences', () => {
  it('prefers an explicit mapping, then the same name, and reports what is left', () => {
    const refs = [stage('A', 'sourceStatuses', 'New'), stage('A', 'sourceStatuses', 'Contacted'), stage('A', 'targetStage', 'Qualified')]
    const result = resolveReferences(refs, { pipelineMapping: { A: { Contacted: 'Reached Out' } } }, target)
    assert.deepEqual(result.references, [
      { automationName: 'A', field: 'sourceStatuses', from: 'New', to: 'New', resolvedBy: 'name' },
      { automationName: 'A', field: 'sourceStatuses', from: 'Contacted', to: 'Reached Out', resolvedBy: 'mapping' },
      { automationName: 'A', field: 'targetStage', from: 'Qualified', to: null, resolvedBy: 'unresolved' },
    ])
    assert.deepEqual(result.unresolved, [{ automationName: 'A', field: 'targetStage', value: 'Qualified' }])
    assert.deepEqual(result.rewrites, [{ name: 'A', sourceStatuses: ['New', 'Reached Out'], actionsPatch: {} }])
  })

  it('lets a mapping win even when the same name exists, and rejects a mapping to a missing stage', () => {
    const refs = [stage('A', 'targetStage', 'New'), stage('B', 'targetStage', 'Hot')]
    const result = resolveReferences(refs, { pipelineMapping: { A: { New: 'Hot' }, B: { Hot: 'Gone' } } }, target)
    assert.deepEqual(result.rewrites, [{ name: 'A', sourceStatuses: null, actionsPatch: { targetStage: 'Hot' } }])
    assert.deepEqual(result.invalidTargets, [{ automationName: 'B', field: 'targetStage', value: 'Hot', target: 'Gone' }])
    assert.deepEqual(result.unresolved, [])
  })

  it('replaces the whole sourceStatuses with sourceStatusesMapping, over pipelineMapping, pairing entries by position', () => {
    const refs = [stage('A', 'sourceStatuses', 'New'), stage('A', 'sourceStatuses', 'Lost')]
    const result = resolveReferences(
      refs,
      { sourceStatusesMapping: { A: ['Hot'] }, pipelineMapping: { A: { New: 'Reached Out', Lost: 'Nowhere' } } },
      target,
    )
    assert.deepEqual(result.rewrites, [{ name: 'A', sourceStatuses: ['Hot'], actionsPatch: {} }])
    assert.deepEqual(result.invalidTargets, [], 'pipelineMapping is not consulted for sourceStatuses')
    assert.deepEqual(
      result.references.map((r) => [r.from, r.to, r.resolvedBy]),
      [
        ['New', 'Hot', 'mapping'],
        ['Lost', null, 'mapping'],
      ],
    )
    const bad = resolveReferences(refs, { sourceStatusesMapping: { A: ['Hot', 'Nowhere'] } }, target)
    assert.deepEqual(bad.invalidTargets, [{ automationName: 'A', field: 'sourceStatuses', value: 'Nowhere', target: 'Nowhere' }])
  })

  it('maps agents by source id or by source name, else by the name in the target, else unresolved', () => {
    const source = 'c'.repeat(24)
    const refs = [agent('ById', source, 'Closer'), agent('ByName', source, 'Closer'), agent('Same', source, 'Helper'), agent('Lost', source, null)]
    const result = resolveReferences(
      refs,
      { agentMapping: { ById: { [source]: 'b'.repeat(24) }, ByName: { Closer: 'b'.repeat(24) } } },
      target,
    )
    assert.deepEqual(result.rewrites, [
      { name: 'ById', sourceStatuses: null, actionsPatch: { agentId: 'b'.repeat(24) } },
      { name: 'ByName', sourceStatuses: null, actionsPatch: { agentId: 'b'.repeat(24) } },
      { name: 'Same', sourceStatuses: null, actionsPatch: { agentId: 'b'.repeat(24) } },
    ])
    assert.deepEqual(result.unresolved, [{ automationName: 'Lost', field: 'agentId', value: source }])
    const missing = resolveReferences([agent('X', source, 'Closer')], { agentMapping: { X: { Closer: 'd'.repeat(24) } } }, target)
    assert.deepEqual(missing.invalidTargets, [
      { automationName: 'X', field: 'agentId', value: source, agentName: 'Closer', target: 'd'.repeat(24) },
    ])
  })

  it('names the source agent of an unresolved reference when the snapshot knows it', () => {
    const source = 'c'.repeat(24)
    const result = resolveReferences([agent('A', source, 'Gone'), agent('B', source, null)], {}, target)
    assert.deepEqual(result.unresolved, [
      { automationName: 'A', field: 'agentId', value: source, agentName: 'Gone' },
      { automationName: 'B', field: 'agentId', value: source },
    ])
  })

  it('names an agent the apply creates instead of showing its planned id', () => {
    const planned = 'e'.repeat(24)
    const result = resolveReferences([agent('A', 'c'.repeat(24), 'Closer')], {}, {
      stageNames: new Set(),
      agents: [{ id: planned, name: 'Closer', isNew: true }],
    })
    assert.deepEqual(result.references.map((r) => r.to), [{ newAgent: 'Closer' }])
    assert.deepEqual(result.rewrites, [{ name: 'A', sourceStatuses: null, actionsPatch: { agentId: planned } }])
  })

  it('reports mapping entries that no reference uses, and those a sourceStatusesMapping overrides', () => {
    const source = 'c'.repeat(24)
    const refs = [stage('A', 'sourceStatuses', 'New'), stage('A', 'targetStage', 'Hot'), stage('B', 'sourceStatuses', 'New'), agent('A', source, 'Closer')]
    const result = resolveReferences(
      refs,
      {
        pipelineMapping: { A: { Hot: 'New', new: 'Hot' }, B: { New: 'Hot' }, C: { New: 'Hot' } },
        sourceStatusesMapping: { B: ['Hot'] },
        agentMapping: { A: { [source]: 'b'.repeat(24), Closer: 'a'.repeat(24), Other: 'a'.repeat(24) } },
      },
      target,
    )
    assert.deepEqual(result.unusedMappings, [
      { mapping: 'pipelineMapping', automationName: 'A', key: 'new', reason: 'notReferenced' },
      { mapping: 'pipelineMapping', automationName: 'B', key: 'New', reason: 'overridden' },
      { mapping: 'pipelineMapping', automationName: 'C', key: 'New', reason: 'notReferenced' },
      { mapping: 'agentMapping', automationName: 'A', key: 'Closer', reason: 'overridden' },
      { mapping: 'agentMapping', automationName: 'A', key: 'Other', reason: 'notReferenced' },
    ])
  })

  it('rewrites nothing when every reference keeps its value', () => {
    const refs = [stage('A', 'sourceStatuses', 'New'), stage('A', 'targetStage', 'Hot'), agent('A', 'a'.repeat(24), 'Closer')]
    assert.deepEqual(resolveReferences(refs, {}, target).rewrites, [])
  })
})
