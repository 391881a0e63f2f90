import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { adminRoles } from '../../shared/roles.ts'
import { authErrors, IdParams, Described } from '../../shared/schemas.ts'
import { JobListQuery, JobListResponse, JobResponse, JobStartedResponse } from './jobs.schemas.ts'
import * as service from './jobs.service.ts'

const tags = ['Jobs']

export const jobsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.get(
    '/api/jobs',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'get_jobs',
        summary: 'List background jobs',
        description:
          'The jobs the caller may see, newest first, with their progress but without their targets: a SUPERADMIN ' +
          'sees every job, an ADMIN the jobs started by users of their organization. `limit` per page (default 50); ' +
          'follow `nextCursor`.',
        querystring: JobListQuery,
        response: { 200: Described(JobListResponse, 'The background jobs, newest first'), ...authErrors() },
      },
    },
    async (request) => service.listJobs(ctx, request.actor, request.query),
  )

  app.get(
    '/api/jobs/:id',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'get_job',
        summary: 'Get a background job and its targets',
        description:
          'Live progress of a job (a push): its status, the counts of targets done and failed, the conflicts so far, ' +
          'and every target with its status, its error when it failed, and its changes once done. Poll it until ' +
          '`finishedAt` is set. A job the caller may not see is 404.',
        params: IdParams,
        response: { 200: Described(JobResponse, 'The job with each target\u2019s state'), ...authErrors(404) },
      },
    },
    async (request) => ({ job: await service.getJob(ctx, request.actor, request.params.id) }),
  )

  app.post(
    '/api/jobs/:id/retry',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'post_job_retry',
        summary: 'Re-run the failed targets of a job',
        description:
          'The failed targets become pending and are queued again (a failed target had nothing written to it); ' +
          'targets that succeeded are never run again. Answers 202 with the job at once; poll GET /api/jobs/{id}. ' +
          'A job without failed targets is 409.',
        params: IdParams,
        response: { 202: Described(JobStartedResponse, 'Accepted: the failed targets run again in the background'), ...authErrors(404, 409) },
      },
    },
    async (request, reply) => {
      const job = await service.retryJob(ctx, request.actor, request.params.id)
      return reply.status(202).send({ message: 'Retry started', job })
    },
  )
}
