import { hash, verify } from '@node-rs/argon2'

/** argon2id cost parameters (memory in KiB). */
export interface PasswordHashOptions {
  readonly memoryCost: number
  readonly timeCost: number
  readonly parallelism: number
}

export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** Pass null for an unknown account: the same work is done and the answer is false. */
  verify(passwordHash: string | null, password: string): Promise<boolean>
}

/** argon2id (OWASP parameters by default; tests pass cheaper ones through Config). */
export function createPasswordHasher(options: PasswordHashOptions): PasswordHasher {
  // Algorithm.Argon2id is a const enum, which isolated modules cannot reference.
  const argon2id = 2
  const params = { algorithm: argon2id, ...options }
  // A hash to verify against when the email is unknown, so both paths cost the same.
  const decoy = hash('decoy password for timing equalisation', params)
  return {
    hash: (password) => hash(password, params),
    async verify(passwordHash, password) {
      try {
        if (passwordHash === null) {
          await verify(await decoy, password)
          return false
        }
        return await verify(passwordHash, password)
      } catch {
        return false
      }
    },
  }
}
