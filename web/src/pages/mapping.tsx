import { Alert, Badge, Select, Table, Text } from '@mantine/core'
import type { ApplyRefs } from '../api.ts'

export interface StageRow {
  key: string
  automationName: string
  value: string
  fields: string[]
}
export interface AgentRow {
  key: string
  automationName: string
  value: string
  agentName: string | null
}

/** One row per (automation, referenced stage) and per (automation, referenced agent). */
export function mappingRows(refs: ApplyRefs) {
  const stages = new Map<string, StageRow>()
  for (const ref of refs.stageRefs) {
    const key = `${ref.automationName}\u0000${ref.value}`
    const row = stages.get(key) ?? { key, automationName: ref.automationName, value: ref.value, fields: [] }
    if (!row.fields.includes(ref.field)) row.fields.push(ref.field)
    stages.set(key, row)
  }
  const agents = new Map<string, AgentRow>()
  for (const ref of refs.agentRefs) {
    const key = `${ref.automationName}\u0000${ref.value}`
    agents.set(key, { key, automationName: ref.automationName, value: ref.value, agentName: ref.agentName ?? null })
  }
  return { stages: [...stages.values()], agents: [...agents.values()] }
}

/** Pre-matching by name, as the apply itself would resolve: '' where nothing matches. */
export function defaultChoices(refs: ApplyRefs) {
  const stageNames = new Set(refs.targetPipelines.flatMap((p) => p.stages.map((s) => s.name)))
  const { stages, agents } = mappingRows(refs)
  const choices: Record<string, string> = {}
  for (const row of stages) choices[`stage:${row.key}`] = stageNames.has(row.value) ? row.value : ''
  for (const row of agents) {
    const match = refs.targetAgents.find((agent) => agent.name === row.agentName)
    choices[`agent:${row.key}`] = match?._id ?? ''
  }
  return choices
}

/** The mapping fields of the apply body: only the choices that differ from what the name would give. */
export function mappingBody(refs: ApplyRefs, choices: Record<string, string>) {
  const defaults = defaultChoices(refs)
  const { stages, agents } = mappingRows(refs)
  const pipelineMapping: Record<string, Record<string, string>> = {}
  const agentMapping: Record<string, Record<string, string>> = {}
  for (const row of stages) {
    const chosen = choices[`stage:${row.key}`] ?? defaults[`stage:${row.key}`] ?? ''
    if (chosen && chosen !== row.value) (pipelineMapping[row.automationName] ??= {})[row.value] = chosen
  }
  for (const row of agents) {
    const key = `agent:${row.key}`
    const chosen = choices[key] ?? defaults[key] ?? ''
    if (chosen && chosen !== defaults[key]) (agentMapping[row.automationName] ??= {})[row.value] = chosen
  }
  return {
    ...(Object.keys(pipelineMapping).length ? { pipelineMapping } : {}),
    ...(Object.keys(agentMapping).length ? { agentMapping } : {}),
  }
}

export function unresolvedCount(refs: ApplyRefs, choices: Record<string, string>) {
  const defaults = defaultChoices(refs)
  return Object.keys(defaults).filter((key) => !(choices[key] ?? defaults[key])).length
}

/**
 * Every stage and agent reference of the snapshot, each with a dropdown of the
 * target organization's stages or agents, pre-matched by name; the ones nothing
 * matches are flagged until a target is picked.
 */
export function MappingForm({
  refs,
  choices,
  onChange,
}: {
  refs: ApplyRefs
  choices: Record<string, string>
  onChange: (key: string, value: string) => void
}) {
  const defaults = defaultChoices(refs)
  const { stages, agents } = mappingRows(refs)
  const seen = new Set<string>()
  const stageOptions = refs.targetPipelines
    .map((pipeline) => ({
      group: pipeline.name,
      items: pipeline.stages
        .filter((stage) => !seen.has(stage.name) && seen.add(stage.name))
        .map((stage) => ({ value: stage.name, label: stage.name })),
    }))
    .filter((group) => group.items.length > 0)
  const agentOptions = refs.targetAgents.map((agent) => ({ value: agent._id, label: agent.name }))
  const unresolved = unresolvedCount(refs, choices)

  if (stages.length + agents.length === 0) {
    return <Alert color="gray">This snapshot’s automations refer to no pipeline stage or agent: nothing to map.</Alert>
  }
  const row = (key: string, automationName: string, what: string, options: typeof agentOptions | typeof stageOptions, kind: string) => {
    const value = choices[key] ?? defaults[key] ?? ''
    const byName = value !== '' && value === defaults[key]
    return (
      <Table.Tr key={key} data-testid="mapping-row" data-unresolved={value === '' ? 'true' : 'false'}>
        <Table.Td>{automationName}</Table.Td>
        <Table.Td>{what}</Table.Td>
        <Table.Td miw={220}>
          <Select
            aria-label={`Target ${kind} for ${what} in ${automationName}`}
            placeholder={`Pick a ${kind}`}
            searchable
            clearable
            data={options}
            value={value || null}
            onChange={(next) => onChange(key, next ?? '')}
            error={value === '' ? 'Unresolved' : undefined}
            nothingFoundMessage={`The target organization has no such ${kind}`}
          />
        </Table.Td>
        <Table.Td>
          {value === '' ? (
            <Badge color="red">Unresolved</Badge>
          ) : byName ? (
            <Badge color="teal" variant="light">
              Same name
            </Badge>
          ) : (
            <Badge color="blue" variant="light">
              Mapped
            </Badge>
          )}
        </Table.Td>
      </Table.Tr>
    )
  }

  return (
    <>
      {unresolved > 0 ? (
        <Alert color="red" title={`${unresolved} reference${unresolved === 1 ? '' : 's'} unresolved`} data-testid="unresolved-alert">
          The target organization has no stage or agent with these names. Pick a target for each, or the apply will be
          refused.
        </Alert>
      ) : (
        <Text size="sm">Every reference resolves. Change a target if the name match is not the one you want.</Text>
      )}
      <Table.ScrollContainer minWidth={700}>
        <Table verticalSpacing="xs">
          <Table.Caption>Stage and agent references of the snapshot’s automations</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Automation</Table.Th>
              <Table.Th scope="col">Refers to</Table.Th>
              <Table.Th scope="col">Target in this organization</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {stages.map((r) => row(`stage:${r.key}`, r.automationName, `stage “${r.value}” (${r.fields.join(', ')})`, stageOptions, 'stage'))}
            {agents.map((r) => row(`agent:${r.key}`, r.automationName, `agent “${r.agentName ?? r.value}”`, agentOptions, 'agent'))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  )
}
