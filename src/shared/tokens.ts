import { errors, jwtVerify, SignJWT } from 'jose'
import { accessRoles, type AccessRole } from './roles.ts'

export interface TokenClaims {
  userId: string
  organizationId: string
  accessRole: AccessRole
  /** The user's token generation when the token was issued; disabling the user moves it on. */
  generation: number
}

export interface TokenService {
  /** Signs a token for the user; `generation` defaults to 0, a new user's. */
  sign(claims: Omit<TokenClaims, 'generation'> & { generation?: number }): Promise<string>
  /** Returns the claims, or null for a token that is malformed, forged, expired or lacks exp/iat. */
  verify(token: string): Promise<TokenClaims | null>
}

const issuer = 'tether-relay'
const roles: readonly string[] = accessRoles

export function createTokenService(secret: Uint8Array, ttlSeconds: number): TokenService {
  return {
    sign: (claims) =>
      new SignJWT({ org: claims.organizationId, role: claims.accessRole, gen: claims.generation ?? 0 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(claims.userId)
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(secret),
    async verify(token) {
      try {
        // A token that never expires is refused even when signed with our key, and so is one
        // issued longer ago than tokens live (its exp was set by someone other than this service).
        const { payload } = await jwtVerify(token, secret, {
          issuer,
          algorithms: ['HS256'],
          requiredClaims: ['exp', 'iat', 'sub'],
          maxTokenAge: ttlSeconds,
        })
        if (typeof payload.sub !== 'string' || typeof payload.org !== 'string' || typeof payload.role !== 'string') {
          return null
        }
        if (!roles.includes(payload.role)) return null
        // Tokens issued before generations existed carry none: they belong to generation 0.
        const generation = payload.gen === undefined ? 0 : payload.gen
        if (typeof generation !== 'number' || !Number.isSafeInteger(generation)) return null
        return { userId: payload.sub, organizationId: payload.org, accessRole: payload.role as AccessRole, generation }
      } catch (error) {
        if (error instanceof errors.JOSEError || error instanceof TypeError) return null
        throw error
      }
    },
  }
}
