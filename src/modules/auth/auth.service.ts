import type { AppContext } from '../../context.ts'
import { AppError } from '../../shared/errors.ts'
import { findUserByEmail } from '../users/users.repository.ts'
import * as failures from './login-failures.repository.ts'

export interface LoginResult {
  token: string
  user: { id: string; email: string; fullName: string; organizationId: string; accessRole: string }
}

const invalidCredentials = () =>
  new AppError('UNAUTHENTICATED', 'Invalid credentials', 'The email or password is incorrect')

/**
 * Unknown email and wrong password get the same answer after the same work.
 * Repeated failures for one email from one address are locked out for a while.
 */
export async function login(ctx: AppContext, email: string, password: string, clientIp: string): Promise<LoginResult> {
  const { maxFailures, lockoutSeconds } = ctx.config.login
  const key = `${email.toLowerCase()}|${clientIp}`
  const lockedFor = await failures.secondsLockedOut(ctx.db, key, maxFailures, lockoutSeconds)
  if (lockedFor > 0) {
    throw new AppError('RATE_LIMITED', 'Too many failed logins', `Too many failed sign-in attempts; retry in ${lockedFor} seconds`, {
      headers: { 'retry-after': String(lockedFor) },
      details: { retryAfterSeconds: lockedFor },
    })
  }
  const user = await findUserByEmail(ctx.db, email)
  const passwordOk = await ctx.passwords.verify(user?.password_hash ?? null, password)
  if (!user || !passwordOk) {
    await failures.recordFailure(ctx.db, key, lockoutSeconds)
    throw invalidCredentials()
  }
  if (user.login_disabled) {
    throw new AppError('FORBIDDEN', 'Login disabled', 'This account is disabled; ask an administrator to enable it')
  }
  await failures.clearFailures(ctx.db, key)
  const token = await ctx.tokens.sign({
    userId: user.id,
    organizationId: user.organization_id,
    accessRole: user.access_role,
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
