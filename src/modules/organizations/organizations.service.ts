import type { Static } from '@sinclair/typebox'
import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import { canSeeOrganization, type Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import * as credentials from './credentials.repository.ts'
import * as dynamicProperties from './dynamic-properties.repository.ts'
import type {
  CredentialName,
  DynamicPropertiesSchema,
  OrganizationSchema,
  Section,
} from './organizations.schemas.ts'
import * as organizations from './organizations.repository.ts'

type OrganizationDto = Static<typeof OrganizationSchema>

export function toOrganizationDto(row: organizations.OrganizationRow): OrganizationDto {
  return {
    _id: row.id,
    name: row.name,
    phoneNumber: row.phone_number,
    address: row.address,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

export async function listOrganizations(db: Executor): Promise<OrganizationDto[]> {
  return (await organizations.listOrganizations(db)).map(toOrganizationDto)
}

export async function getOrganization(db: Executor, id: string) {
  const row = await organizations.findOrganization(db, id)
  if (!row) throw notFound('Organization')
  const configured = await credentials.configuredCredentialNames(db, id)
  return { ...toOrganizationDto(row), credentials: credentials.credentialStatus(configured) }
}

export async function updateCredentials(
  ctx: AppContext,
  id: string,
  values: Partial<Record<CredentialName, string | null>>,
) {
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await organizations.findOrganization(trx, id))) throw notFound('Organization')
    await credentials.writeCredentials(trx, ctx.secrets, id, values)
    return credentials.credentialStatus(await credentials.configuredCredentialNames(trx, id))
  })
}

/** Dynamic properties are readable and writable by the org's ADMIN and by any SUPERADMIN. */
async function visibleOrganization(db: Executor, actor: Actor, organizationId: string) {
  if (!canSeeOrganization(actor, organizationId)) throw notFound('Organization')
  const row = await organizations.findOrganization(db, organizationId)
  if (!row) throw notFound('Organization')
  return row
}

export async function getSections(db: Executor, actor: Actor, organizationId: string, type: string) {
  await visibleOrganization(db, actor, organizationId)
  const row = await dynamicProperties.findDynamicProperties(db, organizationId, type)
  return { type, sections: (row?.sections ?? []) as Section[] }
}

export async function updateSections(
  db: Executor,
  actor: Actor,
  organizationId: string,
  type: string,
  sections: Section[],
): Promise<Static<typeof DynamicPropertiesSchema>> {
  await visibleOrganization(db, actor, organizationId)
  const row = await dynamicProperties.upsertDynamicProperties(db, organizationId, type, sections)
  return {
    _id: row.id,
    organizationId: row.organization_id,
    type: row.type,
    sections: row.sections as Section[],
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}
