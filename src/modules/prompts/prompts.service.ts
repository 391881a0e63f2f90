import type { Executor } from '../../db/database.ts'
import { isAdminOrAbove, type Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import { ownedItemDto } from '../owned-items/owned-items.schemas.ts'
import { deleteOwnedRow, findOwnedRow } from '../owned-items/owned-items.repository.ts'
import { authorizeOwned, listOwnerId, type Access } from '../owned-items/ownership.ts'
import * as prompts from './prompts.repository.ts'
import type { CreatePromptInput, PromptDto, UpdatePromptInput } from './prompts.schemas.ts'

/**
 * `mapped` says the prompt is used through a grant. A hidden prompt's text is
 * shown only to its owner and to ADMIN/SUPERADMIN callers; grantees see null.
 */
export function toPromptDto(row: prompts.PromptRow, viewer: Actor, mapped: boolean): PromptDto {
  const textVisible = !row.is_hidden || row.user_id === viewer.id || isAdminOrAbove(viewer)
  return {
    ...ownedItemDto(row),
    name: row.name,
    prompt: textVisible ? row.prompt : null,
    description: row.description,
    temperature: row.temperature,
    responseTime: row.response_time,
    isHidden: row.is_hidden,
    tools: row.tools,
    toolConfigs: row.tool_configs,
    copiedFrom: row.copied_from,
    copiedFromName: row.copied_from_name,
    copiedFromOrg: row.copied_from_org,
    mapped,
  }
}

/** The prompt with whether the caller holds a grant on it (grantees may read, never write). */
async function accessiblePrompt(db: Executor, actor: Actor, id: string, access: Access) {
  const row = await findOwnedRow(db, prompts.promptKind, id)
  const granted = row !== undefined && row.user_id !== actor.id && (await prompts.isGranted(db, actor.id, id))
  return { row: authorizeOwned(actor, row, access, prompts.promptKind.what, granted), granted }
}

/** The caller's prompts (or, for an ADMIN/SUPERADMIN, another user's): owned plus granted. */
export async function listPrompts(db: Executor, actor: Actor, userId: string | undefined): Promise<PromptDto[]> {
  const ownerId = await listOwnerId(db, actor, userId)
  return (await prompts.listPromptsOfUser(db, ownerId)).map((row) => toPromptDto(row, actor, row.mapped))
}

export async function getPrompt(db: Executor, actor: Actor, id: string): Promise<PromptDto> {
  const { row, granted } = await accessiblePrompt(db, actor, id, 'read')
  return toPromptDto(row, actor, granted)
}

export async function createPrompt(db: Executor, actor: Actor, input: CreatePromptInput): Promise<PromptDto> {
  const row = await prompts.insertPrompt(db, {
    organization_id: actor.organizationId,
    user_id: actor.id,
    name: input.name,
    prompt: input.prompt,
    description: input.description ?? null,
    temperature: input.temperature ?? null,
    response_time: input.responseTime ?? null,
    is_hidden: input.isHidden ?? false,
    tools: JSON.stringify(input.tools ?? []),
    tool_configs: JSON.stringify(input.toolConfigs ?? {}),
  })
  return toPromptDto(row, actor, false)
}

export async function updatePrompt(db: Executor, actor: Actor, id: string, input: UpdatePromptInput): Promise<PromptDto> {
  await accessiblePrompt(db, actor, id, 'write')
  const row = await prompts.updatePrompt(db, id, {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.prompt !== undefined && { prompt: input.prompt }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.temperature !== undefined && { temperature: input.temperature }),
    ...(input.responseTime !== undefined && { response_time: input.responseTime }),
    ...(input.isHidden !== undefined && { is_hidden: input.isHidden }),
    ...(input.tools !== undefined && { tools: JSON.stringify(input.tools) }),
    ...(input.toolConfigs !== undefined && { tool_configs: JSON.stringify(input.toolConfigs) }),
  })
  if (!row) throw notFound('Prompt')
  return toPromptDto(row, actor, false)
}

/** Deletes the prompt; its grants go with it and agents that ran it keep existing without it (foreign keys). */
export async function deletePrompt(db: Executor, actor: Actor, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await accessiblePrompt(trx, actor, id, 'write')
    if (!(await deleteOwnedRow(trx, prompts.promptKind, id))) throw notFound('Prompt')
  })
}
