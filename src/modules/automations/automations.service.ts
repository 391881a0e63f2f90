import type { Executor } from '../../db/database.ts'
import type { Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import { ownedItemDto } from '../owned-items/owned-items.schemas.ts'
import { deleteOwned, listOwnerId, loadOwned } from '../owned-items/ownership.ts'
import * as automations from './automations.repository.ts'
import type { AutomationDto, CreateAutomationInput, UpdateAutomationInput } from './automations.schemas.ts'

export function toAutomationDto(row: automations.AutomationRow): AutomationDto {
  return {
    ...ownedItemDto(row),
    name: row.name,
    description: row.description,
    event: row.event,
    triggerType: row.trigger_type,
    sourceStatuses: row.source_statuses,
    actions: row.actions,
    conditions: row.conditions,
    maxTransitions: row.max_transitions,
    enabled: row.enabled,
  }
}

export async function listAutomations(db: Executor, actor: Actor, userId: string | undefined): Promise<AutomationDto[]> {
  const ownerId = await listOwnerId(db, actor, userId)
  return (await automations.listAutomationsOfUser(db, ownerId)).map(toAutomationDto)
}

export async function getAutomation(db: Executor, actor: Actor, id: string): Promise<AutomationDto> {
  return toAutomationDto(await loadOwned(db, actor, automations.automationKind, id, 'read'))
}

/** Automations belong to their creator, in the creator's organization. */
export async function createAutomation(db: Executor, actor: Actor, input: CreateAutomationInput): Promise<AutomationDto> {
  const row = await automations.insertAutomation(db, {
    organization_id: actor.organizationId,
    user_id: actor.id,
    name: input.name,
    description: input.description ?? '',
    event: input.event,
    trigger_type: input.triggerType ?? 'outbound',
    source_statuses: JSON.stringify(input.sourceStatuses ?? []),
    actions: JSON.stringify(input.actions ?? {}),
    conditions: JSON.stringify(input.conditions ?? []),
    max_transitions: input.maxTransitions ?? null,
    enabled: input.enabled ?? true,
  })
  return toAutomationDto(row)
}

export async function updateAutomation(
  db: Executor,
  actor: Actor,
  id: string,
  input: UpdateAutomationInput,
): Promise<AutomationDto> {
  await loadOwned(db, actor, automations.automationKind, id, 'write')
  const row = await automations.updateAutomation(db, id, {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.event !== undefined && { event: input.event }),
    ...(input.triggerType !== undefined && { trigger_type: input.triggerType }),
    ...(input.sourceStatuses !== undefined && { source_statuses: JSON.stringify(input.sourceStatuses) }),
    ...(input.actions !== undefined && { actions: JSON.stringify(input.actions) }),
    ...(input.conditions !== undefined && { conditions: JSON.stringify(input.conditions) }),
    ...(input.maxTransitions !== undefined && { max_transitions: input.maxTransitions }),
    ...(input.enabled !== undefined && { enabled: input.enabled }),
  })
  if (!row) throw notFound('Automation')
  return toAutomationDto(row)
}

/** `enabled` is the owner's own preference, so only the owner sets it. */
export async function setPreference(db: Executor, actor: Actor, id: string, enabled: boolean): Promise<AutomationDto> {
  return updateAutomation(db, actor, id, { enabled })
}

export async function deleteAutomation(db: Executor, actor: Actor, id: string): Promise<void> {
  await deleteOwned(db, actor, automations.automationKind, id)
}
