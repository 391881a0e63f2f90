import { errors, jwtVerify, SignJWT } from 'jose'
import { accessRoles, type AccessRole } from './roles.ts'

export interface TokenClaims {
  userId: string
  organizationId: string
  accessRole: AccessRole
}

export interface TokenService {
  sign(claims: TokenClaims): Promise<string>
  /** Returns the claims, or null for a token that is malformed, forged or expired. */
  verify(token: string): Promise<TokenClaims | null>
}

const issuer = 'tether-relay'
const roles: readonly string[] = accessRoles

export function createTokenService(secret: Uint8Array, ttlSeconds: number): TokenService {
  return {
    sign: (claims) =>
      new SignJWT({ org: claims.organizationId, role: claims.accessRole })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(claims.userId)
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(secret),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, secret, { issuer, algorithms: ['HS256'] })
        if (typeof payload.sub !== 'string' || typeof payload.org !== 'string' || typeof payload.role !== 'string') {
          return null
        }
        if (!roles.includes(payload.role)) return null
        return { userId: payload.sub, organizationId: payload.org, accessRole: payload.role as AccessRole }
      } catch (error) {
        if (error instanceof errors.JOSEError || error instanceof TypeError) return null
        throw error
      }
    },
  }
}
