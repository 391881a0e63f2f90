import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { adminRoles, superadminOnly } from '../../shared/roles.ts'
import { authErrors, IdParams, ObjectId, Described } from '../../shared/schemas.ts'
import {
  CredentialStatusSchema,
  DynamicPropertiesSchema,
  OrganizationDetailSchema,
  OrganizationSchema,
  SectionSchema,
  SectionsQuery,
  UpdateCredentialsBody,
  UpdateSectionsBody,
} from './organizations.schemas.ts'
import * as service from './organizations.service.ts'

const tags = ['Organizations']
const OrgIdParams = Type.Object({ orgId: ObjectId('Organization id') })

export const organizationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.get(
    '/api/organizations',
    {
      config: { auth: superadminOnly },
      schema: {
        tags,
        operationId: 'get_organizations',
        summary: 'List organizations',
        response: { 200: Described(Type.Object({ organizations: Type.Array(OrganizationSchema) }), 'The organizations'), ...authErrors() },
      },
    },
    async () => ({ organizations: await service.listOrganizations(ctx.db) }),
  )

  app.get(
    '/api/organizations/:id',
    {
      config: { auth: superadminOnly },
      schema: {
        tags,
        operationId: 'get_organization',
        summary: 'Get an organization',
        description: 'Credentials are masked: only whether each one is set.',
        params: IdParams,
        response: { 200: Described(Type.Object({ organization: OrganizationDetailSchema }), 'The organization, with which credentials are set (never their values)'), ...authErrors(404) },
      },
    },
    async (request) => ({ organization: await service.getOrganization(ctx.db, request.params.id) }),
  )

  app.put(
    '/api/organizations/:id/credentials',
    {
      config: { auth: superadminOnly },
      schema: {
        tags,
        operationId: 'put_organization_credentials',
        summary: 'Set or remove an organization\u2019s credentials',
        description: 'Values are encrypted at rest and never returned. A value used by another organization is 409.',
        params: IdParams,
        body: UpdateCredentialsBody,
        response: {
          200: Described(Type.Object({ message: Type.String(), credentials: CredentialStatusSchema }), 'Credentials saved: which are set now (never their values)'),
          ...authErrors(404, 409),
        },
      },
    },
    async (request) => ({
      message: 'Credentials updated',
      credentials: await service.updateCredentials(ctx, request.params.id, request.body),
    }),
  )

  app.get(
    '/api/organizations/sections/:orgId',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'get_organization_sections',
        summary: 'Get the dynamic-property sections of an organization',
        description: 'ADMIN: own organization; SUPERADMIN: any. A type without a document has no sections.',
        params: OrgIdParams,
        querystring: SectionsQuery,
        response: {
          200: Described(Type.Object({ type: Type.String(), sections: Type.Array(SectionSchema) }), 'The sections of that type'),
          ...authErrors(404),
        },
      },
    },
    async (request) =>
      service.getSections(ctx.db, request.actor, request.params.orgId, request.query.type ?? 'Contact'),
  )

  app.put(
    '/api/organizations/sections/:orgId',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'put_organization_sections',
        summary: 'Replace the dynamic-property sections of an organization for one type',
        params: OrgIdParams,
        querystring: SectionsQuery,
        body: UpdateSectionsBody,
        response: {
          200: Described(Type.Object({ message: Type.String(), organization: DynamicPropertiesSchema }), 'The sections of that type, replaced'),
          ...authErrors(404),
        },
      },
    },
    async (request) => ({
      message: 'Sections updated successfully',
      organization: await service.updateSections(
        ctx.db,
        request.actor,
        request.params.orgId,
        request.query.type ?? 'Contact',
        request.body.sections,
      ),
    }),
  )
}
