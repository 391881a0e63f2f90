import type { Executor, TemplateType } from '../../db/database.ts'
import type { Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import { ownedItemDto } from '../owned-items/owned-items.schemas.ts'
import { deleteOwned, listOwnerId, loadOwned } from '../owned-items/ownership.ts'
import * as templates from './templates.repository.ts'
import type { CreateTemplateInput, TemplateDto, UpdateTemplateInput } from './templates.schemas.ts'

export function toTemplateDto(row: templates.TemplateRow): TemplateDto {
  return { ...ownedItemDto(row), name: row.name, template: row.template, type: row.type, category: row.category }
}

export async function listTemplates(
  db: Executor,
  actor: Actor,
  query: { userId?: string; type?: TemplateType },
): Promise<TemplateDto[]> {
  const ownerId = await listOwnerId(db, actor, query.userId)
  return (await templates.listTemplatesOfUser(db, ownerId, query.type)).map(toTemplateDto)
}

export async function getTemplate(db: Executor, actor: Actor, id: string): Promise<TemplateDto> {
  return toTemplateDto(await loadOwned(db, actor, templates.templateKind, id, 'read'))
}

export async function createTemplate(db: Executor, actor: Actor, input: CreateTemplateInput): Promise<TemplateDto> {
  const row = await templates.insertTemplate(db, {
    organization_id: actor.organizationId,
    user_id: actor.id,
    name: input.name,
    template: input.template,
    type: input.type,
    category: input.category ?? null,
  })
  return toTemplateDto(row)
}

export async function updateTemplate(
  db: Executor,
  actor: Actor,
  id: string,
  input: UpdateTemplateInput,
): Promise<TemplateDto> {
  await loadOwned(db, actor, templates.templateKind, id, 'write')
  const row = await templates.updateTemplate(db, id, {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.template !== undefined && { template: input.template }),
    ...(input.type !== undefined && { type: input.type }),
    ...(input.category !== undefined && { category: input.category }),
  })
  if (!row) throw notFound('Template')
  return toTemplateDto(row)
}

export async function deleteTemplate(db: Executor, actor: Actor, id: string): Promise<void> {
  await deleteOwned(db, actor, templates.templateKind, id)
}
