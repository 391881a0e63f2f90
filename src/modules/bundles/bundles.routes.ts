import compress from '@fastify/compress'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { SnapshotKind } from '../../db/database.ts'
import type { Actor } from '../../shared/actor.ts'
import { adminRoles, superadminOnly } from '../../shared/roles.ts'
import { authErrors, errorResponses, IdempotencyKeyHeaders, IdParams } from '../../shared/schemas.ts'
import { OrgSnapshotSummary } from '../org-snapshots/org-snapshots.schemas.ts'
import { findOrgSnapshot, toOrgSnapshotSummary } from '../org-snapshots/org-snapshots.service.ts'
import type { SnapshotRow } from '../snapshots/snapshots.repository.ts'
import { UserSnapshotSummary } from '../user-snapshots/user-snapshots.schemas.ts'
import { toUserSnapshotSummary, visibleSnapshot } from '../user-snapshots/user-snapshots.service.ts'
import { replyOnce } from '../idempotency/idempotent-reply.ts'
import { exportBundle } from './bundle-export.ts'
import { checkBundleFormat, importBundle, type ImportResult } from './bundle-import.ts'
import { Bundle, ExportQuery, ImportedResponse, Jwks, type BundleInput } from './bundle.schemas.ts'

/** Portable bundles (SPEC §7.6): export, import, and the public key that signs them. */

const exportDescription = (what: string) =>
  `The ${what} as a signed, portable bundle (a JSON file; Content-Disposition: attachment), for POST …/import on ` +
  'another instance: the copies of one version (`version`, default the latest) in canonical JSON (RFC 8785), ' +
  'its SHA-256 `checksum` and an Ed25519 JWS `signature` of the checksum by this instance\u2019s key ' +
  '(published at /.well-known/jwks.json). Names only for credentials, never a value. Streamed, so any size ' +
  'costs the server the same memory. Unknown version: 404.'

const importDescription = (what: string, who: string) =>
  `Imports a bundle exported by GET …/export (of this or another instance) as a new ${what} of this instance, ` +
  `created by the caller and assigned to their organization, with sourceOrgId null and \`importedFrom\`. ${who} ` +
  'The body is the bundle, up to IMPORT_LIMIT_BYTES, gzip-compressed or not (Content-Encoding: gzip). Checked ' +
  'in order, each with its own 400: format, formatVersion, the schema, the kind, the checksum, the signature ' +
  '(against the key in its own header). With BUNDLE_TRUSTED_KEYS set, a bundle signed by another key is 422. ' +
  'The same bundle again answers 200 with the snapshot it created; a newer version of a snapshot imported ' +
  'before becomes its next version (201); an older one is 422; the same version with other content is 409. ' +
  'With an Idempotency-Key, a retry gets the first answer again (Idempotent-Replayed: true).'

export const bundlesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app
  // Request decompression for the import routes only (they opt in with `decompress`); no response compression.
  await app.register(compress, { global: false })
  const importLimit = ctx.config.bundles.importLimitBytes

  const sendBundle = async (reply: FastifyReply, actor: Actor, snapshot: SnapshotRow, version: number | undefined) => {
    const { fileName, body } = await exportBundle(ctx, actor, snapshot, version)
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .send(body)
  }

  const runImport = (request: FastifyRequest, bundle: BundleInput, reply: FastifyReply, kind: SnapshotKind) =>
    replyOnce<ImportResult>(ctx, request, reply, {
      status: (result) => (result.created ? 201 : 200),
      run: (hooks) => importBundle(ctx, request.actor, kind, bundle, hooks),
      body: ({ created, snapshot }) => ({
        message: created ? 'Snapshot imported' : 'Snapshot already imported',
        snapshot: kind === 'user' ? toUserSnapshotSummary(snapshot) : toOrgSnapshotSummary(snapshot),
      }),
    })

  const importOptions = {
    bodyLimit: importLimit,
    decompress: { requestEncodings: ['gzip' as const, 'identity' as const] },
    preValidation: async (request: { body: unknown }) => checkBundleFormat(request.body),
  }

  app.get(
    '/api/user-snapshots/:id/export',
    {
      config: { auth: adminRoles },
      schema: {
        tags: ['User Snapshots'],
        operationId: 'get_user_snapshot_export',
        summary: 'Export a user snapshot as a signed bundle',
        description: `${exportDescription('user snapshot')} Same access rules as GET of the snapshot.`,
        params: IdParams,
        querystring: ExportQuery,
        response: { 200: Bundle, ...authErrors(404) },
      },
    },
    async (request, reply) =>
      sendBundle(reply, request.actor, await visibleSnapshot(ctx.db, request.actor, request.params.id), request.query.version),
  )

  app.get(
    '/api/org-snapshots/:id/export',
    {
      config: { auth: superadminOnly },
      schema: {
        tags: ['Org Snapshots'],
        operationId: 'get_org_snapshot_export',
        summary: 'Export an organization snapshot as a signed bundle',
        description: `${exportDescription('organization snapshot')} Superadmins only.`,
        params: IdParams,
        querystring: ExportQuery,
        response: { 200: Bundle, ...authErrors(404) },
      },
    },
    async (request, reply) => sendBundle(reply, request.actor, await findOrgSnapshot(ctx.db, request.params.id), request.query.version),
  )

  app.post(
    '/api/user-snapshots/import',
    {
      config: { auth: adminRoles },
      ...importOptions,
      schema: {
        tags: ['User Snapshots'],
        operationId: 'post_user_snapshot_import',
        summary: 'Import a user snapshot bundle',
        description: importDescription('user snapshot', 'Admins and superadmins.'),
        body: Bundle,
        headers: IdempotencyKeyHeaders,
        response: {
          200: ImportedResponse(UserSnapshotSummary, 'This very bundle was imported before: the snapshot it created, unchanged'),
          201: ImportedResponse(UserSnapshotSummary, 'Imported: a new snapshot, or the next version of one imported before'),
          ...authErrors(409, 422),
        },
      },
    },
    async (request, reply) => runImport(request, request.body, reply, 'user'),
  )

  app.post(
    '/api/org-snapshots/import',
    {
      config: { auth: superadminOnly },
      ...importOptions,
      schema: {
        tags: ['Org Snapshots'],
        operationId: 'post_org_snapshot_import',
        summary: 'Import an organization snapshot bundle',
        description: importDescription('organization snapshot', 'Superadmins only.'),
        body: Bundle,
        headers: IdempotencyKeyHeaders,
        response: {
          200: ImportedResponse(OrgSnapshotSummary, 'This very bundle was imported before: the snapshot it created, unchanged'),
          201: ImportedResponse(OrgSnapshotSummary, 'Imported: a new snapshot, or the next version of one imported before'),
          ...authErrors(409, 422),
        },
      },
    },
    async (request, reply) => runImport(request, request.body, reply, 'org'),
  )

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['System'],
        operationId: 'get_jwks',
        security: [],
        summary: 'The public key that signs this instance\u2019s bundles',
        description:
          'A JWKS with the Ed25519 public key (and its kid) whose signature every exported bundle carries; list it ' +
          'in BUNDLE_TRUSTED_KEYS of an instance that should accept this one\u2019s bundles. Never the private part.',
        response: { 200: Jwks, ...errorResponses() },
      },
    },
    async (_request, reply) => {
      const key = await ctx.bundleSigner.publicKey()
      return reply.header('cache-control', 'public, max-age=300').send({ keys: [{ ...key, alg: 'EdDSA' as const, use: 'sig' as const }] })
    },
  )
}
