import type { Executor } from '../../db/database.ts'
import { uniqueViolation } from '../../db/errors.ts'
import type { SecretBox } from '../../shared/crypto.ts'
import { conflict } from '../../shared/errors.ts'
import { credentialNames, type CredentialName } from './organizations.schemas.ts'

export const credentialsInUse = (names: string[]) =>
  conflict(
    'Credentials already in use',
    `These credential values are already used by another organization: ${names.join(', ')}`,
    { fields: names },
  )

/** Names whose given values another organization already uses (compared by keyed hash). */
export async function credentialsUsedElsewhere(
  db: Executor,
  secrets: SecretBox,
  organizationId: string | null,
  values: Partial<Record<CredentialName, string>>,
): Promise<CredentialName[]> {
  const entries = Object.entries(values).filter((e): e is [CredentialName, string] => typeof e[1] === 'string')
  if (entries.length === 0) return []
  const rows = await db
    .selectFrom('organization_credentials')
    .select('name')
    .where((eb) =>
      eb.or(entries.map(([name, value]) => eb.and([eb('name', '=', name), eb('value_hash', '=', secrets.fingerprint(value))]))),
    )
    .$if(organizationId !== null, (qb) => qb.where('organization_id', '<>', organizationId as string))
    .execute()
  return credentialNames.filter((name) => rows.some((r) => r.name === name))
}

/**
 * Sets (string) or removes (null) credentials of one organization in one statement
 * each. The unique index on (name, value_hash) makes concurrent writers of the same
 * value end in a 409, not a duplicate.
 */
export async function writeCredentials(
  db: Executor,
  secrets: SecretBox,
  organizationId: string,
  values: Partial<Record<CredentialName, string | null>>,
): Promise<void> {
  const toSet = Object.entries(values).filter((e): e is [CredentialName, string] => typeof e[1] === 'string')
  const toRemove = Object.entries(values)
    .filter(([, value]) => value === null)
    .map(([name]) => name)
  const taken = await credentialsUsedElsewhere(db, secrets, organizationId, Object.fromEntries(toSet))
  if (taken.length > 0) throw credentialsInUse(taken)
  if (toRemove.length > 0) {
    await db
      .deleteFrom('organization_credentials')
      .where('organization_id', '=', organizationId)
      .where('name', 'in', toRemove)
      .execute()
  }
  if (toSet.length === 0) return
  try {
    await db
      .insertInto('organization_credentials')
      .values(
        toSet.map(([name, value]) => ({
          organization_id: organizationId,
          name,
          ciphertext: secrets.encrypt(value),
          value_hash: secrets.fingerprint(value),
        })),
      )
      .onConflict((oc) =>
        oc.columns(['organization_id', 'name']).doUpdateSet((eb) => ({
          ciphertext: eb.ref('excluded.ciphertext'),
          value_hash: eb.ref('excluded.value_hash'),
          updated_at: new Date(),
        })),
      )
      .execute()
  } catch (error) {
    if (uniqueViolation(error) === 'organization_credentials_value_key') {
      throw credentialsInUse(toSet.map(([name]) => name))
    }
    throw error
  }
}

export async function configuredCredentialNames(db: Executor, organizationId: string): Promise<CredentialName[]> {
  const rows = await db
    .selectFrom('organization_credentials')
    .select('name')
    .where('organization_id', '=', organizationId)
    .execute()
  return credentialNames.filter((name) => rows.some((r) => r.name === name))
}

export function credentialStatus(configured: readonly string[]): Record<CredentialName, boolean> {
  return Object.fromEntries(credentialNames.map((name) => [name, configured.includes(name)])) as Record<
    CredentialName,
    boolean
  >
}
