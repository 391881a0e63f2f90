import { isCancel, select } from '@clack/prompts'
import type { Body } from './api.ts'
import { CommandFailure } from './errors.ts'
import { note, err } from './output.ts'

/**
 * Builds the mappings of a user-snapshot apply at a terminal, from apply-refs.
 * A reference whose stage or agent exists in the target under the same name
 * resolves by name on the server and is not asked about; for the others, the
 * target's stages or agents are offered, the closest name first (case and
 * spacing ignored), and one answer covers every automation that uses that
 * source stage or agent.
 */

type ApplyRefs = Body<'get_user_snapshot_apply_refs', 200>
type Mappings = { pipelineMapping?: Record<string, Record<string, string>>; agentMapping?: Record<string, Record<string, string>> }

const normalise = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, ' ').trim()
const skip = Symbol('leave unresolved')

async function choose(message: string, options: { value: string; label: string; hint?: string }[], suggested?: string): Promise<string | undefined> {
  const answer = await select<string | typeof skip>({
    message,
    options: [...options, { value: skip, label: 'Leave unresolved', hint: 'the apply will fail on it' }],
    initialValue: suggested ?? skip,
    output: process.stderr,
  })
  if (isCancel(answer)) throw new CommandFailure('Cancelled: nothing was changed.')
  return answer === skip ? undefined : answer
}

export async function buildUserMappings(refs: ApplyRefs): Promise<Mappings> {
  const mappings: Mappings = {}
  const stageNames = [...new Set(refs.targetPipelines.flatMap((p) => p.stages.map((s) => s.name)))]
  const stageOptions = refs.targetPipelines.flatMap((p) => p.stages.map((s) => ({ value: s.name, label: s.name, hint: p.name })))
  const unresolvedStages = [...new Set(refs.stageRefs.map((r) => r.value))].filter((value) => !stageNames.includes(value))

  for (const value of unresolvedStages) {
    const suggested = stageNames.find((name) => normalise(name) === normalise(value))
    const users = refs.stageRefs.filter((r) => r.value === value).map((r) => r.automationName)
    const target = await choose(`Stage "${value}" (used by ${[...new Set(users)].join(', ')}) is not in the target. Map it to:`, stageOptions, suggested)
    if (target === undefined) continue
    for (const automation of users) {
      mappings.pipelineMapping ??= {}
      ;(mappings.pipelineMapping[automation] ??= {})[value] = target
    }
  }

  const agentNames = new Map(refs.targetAgents.map((a) => [a.name, a._id]))
  const agentOptions = refs.targetAgents.map((a) => ({ value: a._id, label: a.name, hint: a.description || undefined }))
  const unresolvedAgents = [...new Map(refs.agentRefs.map((r) => [r.value, r])).values()].filter((r) => !r.agentName || !agentNames.has(r.agentName))
  for (const ref of unresolvedAgents) {
    const label = ref.agentName ?? ref.value
    const suggested = refs.targetAgents.find((a) => ref.agentName && normalise(a.name) === normalise(ref.agentName))?._id
    const users = [...new Set(refs.agentRefs.filter((r) => r.value === ref.value).map((r) => r.automationName))]
    const target = await choose(`Agent "${label}" (used by ${users.join(', ')}) is not in the target. Map it to:`, agentOptions, suggested)
    if (target === undefined) continue
    for (const automation of users) {
      mappings.agentMapping ??= {}
      ;(mappings.agentMapping[automation] ??= {})[ref.value] = target
    }
  }

  const total = refs.stageRefs.length + refs.agentRefs.length
  const asked = unresolvedStages.length + unresolvedAgents.length
  if (total > 0) note(err.dim(`${total - asked === total ? 'Every' : total - asked} reference${total - asked === 1 ? '' : 's'} matched the target by name${asked ? `; ${asked} mapped above` : ''}.`))
  return mappings
}
