import type { FastifyReply, FastifyRequest } from 'fastify'
import stableStringify from 'safe-stable-stringify'
import type { AppContext } from '../../context.ts'
import type { TransactionHooks } from '../../db/transactions.ts'
import { badRequest, conflict, unprocessable } from '../../shared/errors.ts'
import { printableAsciiPattern } from '../../shared/schemas.ts'
import { findStoredResponse, purgeExpired, storeResponse, tryLockKey, type StoredResponse } from './idempotency.repository.ts'

/**
 * Idempotent creating POSTs (SPEC §7.4), for any route in one call:
 *
 *   async (request, reply) => replyOnce(ctx, request, reply, {
 *     status: 201,
 *     run: (hooks) => service.createThing(ctx, request.actor, request.body, hooks),
 *     body: (thing) => ({ message: 'Thing created', thing }),
 *   })
 *
 * plus `headers: IdempotencyKeyHeaders` (shared/schemas.ts) in the route's schema.
 * The use case opens its transaction as always and runs `withHooks(trx, hooks, …)`
 * (db/transactions.ts) inside it: `begin` takes the key (409 while another request
 * with it runs), `beforeCommit` stores the answer, so the answer is stored exactly
 * when the effects commit. Without the header the route behaves as before.
 */
export interface IdempotentCall<R> {
  /** The status of a success: fixed, or chosen by the result. */
  status: number | ((result: R) => number)
  /** Runs the use case, handing it the hooks for its transaction (undefined without a key). */
  run(hooks: TransactionHooks<R> | undefined): Promise<R>
  /** The response body for a result. */
  body(result: R): Record<string, unknown>
}

export const replayedHeader = 'idempotent-replayed'

const keyPattern = new RegExp(printableAsciiPattern)

/** The request's key, or undefined; a malformed one is 400 (also on a route whose schema forgot the header). */
function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key']
  if (key === undefined) return undefined
  if (typeof key !== 'string' || key.length < 1 || key.length > 255 || !keyPattern.test(key)) {
    throw badRequest('Validation error', 'Idempotency-Key must be 1 to 255 printable ASCII characters', [
      { location: 'headers', path: '/idempotency-key', message: 'must be 1 to 255 printable ASCII characters' },
    ])
  }
  return key
}

/** What a retry must repeat: method, URL (with its query) and body, as a keyed hash (bodies may hold passwords). */
function fingerprintOf(ctx: AppContext, request: FastifyRequest): string {
  return ctx.secrets.fingerprint(`${request.method} ${request.url}\n${stableStringify(request.body ?? null)}`)
}

const keyReused = () =>
  unprocessable(
    'Idempotency key reused',
    'This Idempotency-Key was used in the last 24 hours for a different request (method, path or body); use a new key',
  )

const stillRunning = () =>
  conflict('Request in progress', 'A request with this Idempotency-Key is still running; retry when it has finished')

/** Thrown inside the transaction when the key turns out to be answered already; replayed after rollback. */
class AlreadyAnswered extends Error {}

function replay(reply: FastifyReply, stored: StoredResponse, fingerprint: string): FastifyReply {
  if (stored.fingerprint !== fingerprint) throw keyReused()
  return reply
    .status(stored.statusCode)
    .header(replayedHeader, 'true')
    .type('application/json; charset=utf-8')
    .send(stored.body)
}

export async function replyOnce<R>(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  call: IdempotentCall<R>,
): Promise<FastifyReply> {
  const key = idempotencyKey(request)
  const statusOf = (result: R) => (typeof call.status === 'number' ? call.status : call.status(result))
  if (key === undefined) {
    const result = await call.run(undefined)
    return reply.status(statusOf(result)).send(call.body(result))
  }

  const callerId = request.actor.id
  const fingerprint = fingerprintOf(ctx, request)
  await purgeExpired(ctx.db)
  const answered = await findStoredResponse(ctx.db, callerId, key)
  if (answered) return replay(reply, answered, fingerprint)

  let sent: { status: number; body: string } | undefined
  const hooks: TransactionHooks<R> = {
    async begin(trx) {
      if (!(await tryLockKey(trx, callerId, key))) throw stillRunning()
      if (await findStoredResponse(trx, callerId, key)) throw new AlreadyAnswered()
    },
    async beforeCommit(trx, result) {
      const status = statusOf(result)
      const body = String(reply.serializeInput(call.body(result), String(status)))
      if (!(await storeResponse(trx, { callerId, key, fingerprint, statusCode: status, body }))) throw new AlreadyAnswered()
      sent = { status, body }
    },
  }
  try {
    await call.run(hooks)
  } catch (error) {
    // A request with this key committed while this one ran (a race this one lost): its answer is the answer.
    const stored = await findStoredResponse(ctx.db, callerId, key)
    if (stored) return replay(reply, stored, fingerprint)
    if (error instanceof AlreadyAnswered) throw stillRunning()
    throw error
  }
  if (!sent) throw new Error('the use case did not run the idempotency hooks in its transaction')
  return reply.status(sent.status).type('application/json; charset=utf-8').send(sent.body)
}
