import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox'
import { MapOf, Nullable, StringEnum } from '../../shared/schemas.ts'
import type { ItemKind } from '../snapshots/item-kind.ts'
import { itemKinds } from '../snapshots/item-kinds.ts'
import { snapshotDescription, snapshotName } from '../snapshots/snapshot.schemas.ts'
import { bundleColumns, bundleFormat, bundleFormatVersion, fieldOf } from './bundle-format.ts'

/** The bundle of SPEC §7.6 as JSON Schema: the export's answer and the import's body. */

/**
 * One item of a kind: each column the bundle carries, typed as GET of a snapshot
 * types that field (a column GET does not show, such as a stage's pipeline, is text).
 */
function bundleItemSchema(kind: ItemKind): TObject {
  const shown: Record<string, TSchema> = (kind.copySchema as TSchema & { properties?: Record<string, TSchema> }).properties ?? {}
  return Type.Object(
    Object.fromEntries(bundleColumns(kind).map((column) => [fieldOf(column), shown[fieldOf(column)] ?? Type.String()])),
    { additionalProperties: false },
  )
}

const BundleItems = Type.Object(
  Object.fromEntries(itemKinds.map((kind) => [kind.countKey, Type.Optional(Type.Array(bundleItemSchema(kind)))])),
  {
    additionalProperties: false,
    description:
      'The copies of the snapshot version, one list per item kind (user bundles: automations, prompts, templates; ' +
      'org bundles also pipelines, stages, dynamicProperties, credentialNames (names only, never values) and agents)',
  },
)

export const BundleRef = Type.Object(
  {
    automationName: Type.String({ description: 'The automation holding the reference' }),
    refType: StringEnum(['pipelineStage', 'agent']),
    field: Type.String({ description: 'sourceStatuses, targetStage or agentId' }),
    fieldLocation: Type.String({ description: '"root" for sourceStatuses, "actions" for actions.*' }),
    value: Type.String({ description: 'Stage name, or source agent id' }),
    agentName: Nullable(Type.String({ description: 'Agents only: the source agent\u2019s name, by which the target resolves it' })),
  },
  { additionalProperties: false },
)

export const Bundle = Type.Object(
  {
    format: Type.String({ description: `Always "${bundleFormat}"` }),
    formatVersion: Type.Integer({ description: `The version of the format; this server writes and reads ${bundleFormatVersion}` }),
    kind: StringEnum(['user', 'org']),
    exportedAt: Type.String({ description: 'When the bundle was exported (ISO-8601)' }),
    instance: Type.Object(
      {
        id: Type.String({ description: 'The exporting instance' }),
        keyId: Type.String({ description: 'The kid of the key that signed the bundle (see /.well-known/jwks.json)' }),
      },
      { additionalProperties: false },
    ),
    snapshot: Type.Object(
      {
        id: Type.String({ description: 'The snapshot\u2019s id on the exporting instance' }),
        name: snapshotName,
        description: Nullable(snapshotDescription),
        version: Type.Integer({ minimum: 1, description: 'The version exported' }),
        counts: MapOf(Type.Integer({ minimum: 0 }), { description: 'Items per kind', maxProperties: 32 }),
        source: Type.Object(
          {
            orgName: Type.String(),
            userEmail: Type.String(),
            userName: Type.String(),
          },
          { additionalProperties: false, description: 'Who was captured, by name only' },
        ),
        items: BundleItems,
        refs: Type.Array(BundleRef, { description: 'Every pipeline-stage and agent reference of the automations, in capture order' }),
      },
      { additionalProperties: false },
    ),
    checksum: Type.String({
      pattern: '^sha256:[0-9a-f]{64}$',
      description: 'SHA-256 of the canonical JSON (RFC 8785) of the bundle without checksum and signature',
    }),
    signature: Type.String({
      maxLength: 4096,
      description: 'Compact JWS (alg EdDSA, Ed25519) whose payload is the checksum; its protected header carries kid and jwk',
    }),
  },
  { $id: 'SnapshotBundle', additionalProperties: false, description: 'A portable snapshot bundle (format version 1)' },
)
export type BundleInput = Static<typeof Bundle>

export const ExportQuery = Type.Object(
  {
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'The version to export; without it the latest' })),
  },
  { additionalProperties: false },
)

export const ImportedResponse = (summary: TSchema, description: string) =>
  Type.Object(
    {
      message: Type.String({ description: '"Snapshot imported", or "Snapshot already imported" for a bundle imported before' }),
      snapshot: summary,
    },
    { description },
  )

export const Jwks = Type.Object(
  {
  keys: Type.Array(
    Type.Object({
      kty: StringEnum(['OKP']),
      crv: StringEnum(['Ed25519']),
      x: Type.String({ description: 'The public key (base64url)' }),
      kid: Type.String({ description: 'Key id: the RFC 7638 thumbprint of the key' }),
      alg: StringEnum(['EdDSA']),
      use: StringEnum(['sig']),
    }),
  ),
  },
  { description: 'The public signing key of this instance, as a JSON Web Key Set' },
)
