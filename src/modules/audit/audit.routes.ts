import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { adminRoles } from '../../shared/roles.ts'
import { authErrors } from '../../shared/schemas.ts'
import { AuditEventListQuery, AuditEventListResponse } from './audit.schemas.ts'
import { auditEventPage } from './audit.service.ts'

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.get(
    '/api/audit-events',
    {
      config: { auth: adminRoles },
      schema: {
        tags: ['Audit'],
        operationId: 'get_audit_events',
        summary: 'List audit events',
        description:
          'What was done to snapshots, newest first: every create, new version, assign, delete, apply, push, export ' +
          'and import, each written in the transaction of the change (a request that failed left none). Superadmins ' +
          'see every event; admins those whose actor belongs to, or whose target is, their organization (naming ' +
          'another `organizationId` is 403). Filters: `snapshotId`, `organizationId`, `action`. Pages of `limit` ' +
          '(1\u2013200, default 50) follow `nextCursor`.',
        querystring: AuditEventListQuery,
        response: { 200: AuditEventListResponse, ...authErrors() },
      },
    },
    async (request) => auditEventPage(ctx.db, request.actor, request.query),
  )
}
