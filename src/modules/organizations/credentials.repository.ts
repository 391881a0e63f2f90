import type { Executor } from '../../db/database.ts'
import { guardConstraints } from '../../db/constraints.ts'
import type { SecretBox } from '../../shared/crypto.ts'
import { conflict } from '../../shared/errors.ts'
import { credentialNames, type CredentialName } from './organizations.schemas.ts'

export const credentialsInUse = (names: string[]) =>
  conflict(
    'Credentials already in use',
    `These credential values are already in use, by another organization or under another credential name: ${names.join(', ')}`,
    { fields: names },
  )

/**
 * Names whose given values are held by any other credential: another organization's,
 * another name of this organization (unless this request replaces or removes that
 * one), or another name in the same request. Compared by keyed hash. With
 * `organizationId` null (an organization still to be created) every stored value counts.
 */
export async function credentialsUsedElsewhere(
  db: Executor,
  secrets: SecretBox,
  organizationId: string | null,
  values: Partial<Record<CredentialName, string | null>>,
): Promise<CredentialName[]> {
  const entries = Object.entries(values)
    .filter((e): e is [CredentialName, string] => typeof e[1] === 'string')
    .map(([name, value]) => ({ name, hash: secrets.fingerprint(value) }))
  if (entries.length === 0) return []
  // This organization's credentials that the request sets or removes are free for its other names.
  const rewritten = Object.keys(values)
  const rows = await db
    .selectFrom('organization_credentials')
    .select(['organization_id', 'name', 'value_hash'])
    .where('value_hash', 'in', entries.map((e) => e.hash))
    .execute()
  const heldElsewhere = (hash: string) =>
    rows.some((r) => r.value_hash === hash && !(r.organization_id === organizationId && rewritten.includes(r.name)))
  const repeated = (name: string, hash: string) => entries.some((e) => e.name !== name && e.hash === hash)
  return credentialNames.filter((name) => entries.some((e) => e.name === name && (heldElsewhere(e.hash) || repeated(name, e.hash))))
}

/**
 * Sets (string) or removes (null) credentials of one organization. The rows of every
 * name in the request are deleted first and the new values inserted after, so a value
 * may move between two names of one organization in one request. The unique index on
 * value_hash makes concurrent writers of one value end in a 409, not a duplicate. Run
 * it inside a transaction.
 */
export async function writeCredentials(
  db: Executor,
  secrets: SecretBox,
  organizationId: string,
  values: Partial<Record<CredentialName, string | null>>,
): Promise<void> {
  const toSet = Object.entries(values).filter((e): e is [CredentialName, string] => typeof e[1] === 'string')
  const names = Object.keys(values)
  const taken = await credentialsUsedElsewhere(db, secrets, organizationId, values)
  if (taken.length > 0) throw credentialsInUse(taken)
  if (names.length > 0) {
    await db
      .deleteFrom('organization_credentials')
      .where('organization_id', '=', organizationId)
      .where('name', 'in', names)
      .execute()
  }
  if (toSet.length === 0) return
  await guardConstraints(
    db
      .insertInto('organization_credentials')
      .values(
        toSet.map(([name, value]) => ({
          organization_id: organizationId,
          name,
          ciphertext: secrets.encrypt(value),
          value_hash: secrets.fingerprint(value),
        })),
      )
      // A concurrent writer of the same organization and name: the last one wins, as before.
      .onConflict((oc) =>
        oc.columns(['organization_id', 'name']).doUpdateSet((eb) => ({
          ciphertext: eb.ref('excluded.ciphertext'),
          value_hash: eb.ref('excluded.value_hash'),
          legacy_shared_value: false,
          updated_at: new Date(),
        })),
      )
      .execute(),
    { organization_credentials_value_key: () => credentialsInUse(toSet.map(([name]) => name)) },
  )
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
