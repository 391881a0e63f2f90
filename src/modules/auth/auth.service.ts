import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import { AppError } from '../../shared/errors.ts'
import { findUserByEmail } from '../users/users.repository.ts'
import * as failures from './login-failures.repository.ts'

export interface LoginResult {
  token: string
  user: { id: string; email: string; fullName: string; organizationId: string; accessRole: string }
}

const invalidCredentials = () =>
  new AppError('UNAUTHENTICATED', 'Invalid credentials', 'The email or password is incorrect')

/** Ended windows are purged at most this often per process (each login would be wasteful). */
const purgeIntervalMs = 60_000
const lastPurge = new WeakMap<Executor, number>()

async function purgeNow(ctx: AppContext): Promise<void> {
  const now = Date.now()
  if (now - (lastPurge.get(ctx.db) ?? 0) < purgeIntervalMs) return
  lastPurge.set(ctx.db, now)
  // Housekeeping must never fail a sign-in; the next interval tries again.
  await failures.purgeEndedWindows(ctx.db, ctx.config.login.lockoutSeconds).catch(() => lastPurge.delete(ctx.db))
}

/**
 * Unknown email and wrong password get the same answer after the same work. Each
 * attempt first reserves one of the LOGIN_MAX_FAILURES password checks of its email
 * and client address; once they are used up the pair gets 429 until the window ends,
 * even with the right password.
 */
export async function login(ctx: AppContext, email: string, password: string, clientIp: string): Promise<LoginResult> {
  const { maxFailures, lockoutSeconds } = ctx.config.login
  const key = `${email.toLowerCase()}|${clientIp}`
  await purgeNow(ctx)
  const lockedFor = await failures.reserveCheck(ctx.db, key, maxFailures, lockoutSeconds)
  if (lockedFor > 0) {
    throw new AppError('RATE_LIMITED', 'Too many failed logins', `Too many failed sign-in attempts; retry in ${lockedFor} seconds`, {
      headers: { 'retry-after': String(lockedFor) },
      details: { retryAfterSeconds: lockedFor },
    })
  }
  const user = await findUserByEmail(ctx.db, email)
  const passwordOk = await ctx.passwords.verify(user?.password_hash ?? null, password)
  if (!user || !passwordOk) throw invalidCredentials()
  if (user.login_disabled) {
    throw new AppError('FORBIDDEN', 'Login disabled', 'This account is disabled; ask an administrator to enable it')
  }
  await failures.releaseCheck(ctx.db, key)
  const token = await ctx.tokens.sign({
    userId: user.id,
    organizationId: user.organization_id,
    accessRole: user.access_role,
    generation: user.token_generation,
  })
  return {
    token,
    user: {
      id: user.id,
      email: user.email,
      fullName: user.full_name,
      organizationId: user.organization_id,
      accessRole: user.access_role,
    },
  }
}
