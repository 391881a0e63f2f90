import type { Kysely } from 'kysely'
import type { Config } from './config.ts'
import type { Database } from './db/database.ts'
import type { JobQueue } from './db/job-queue.ts'
import type { BundleSigner } from './shared/bundle-signing.ts'
import type { SecretBox } from './shared/crypto.ts'
import type { PasswordHasher } from './shared/passwords.ts'
import type { TokenService } from './shared/tokens.ts'

/**
 * Test-only hook into multi-step writes: the apply executor calls it after each
 * named step, so a test can fail any step and prove nothing is left behind.
 * Production builds the app without one.
 */
export type FaultInjector = (step: string) => void | Promise<void>

/** What services need from the outside world, built once per app. */
export interface AppContext {
  readonly config: Config
  readonly db: Kysely<Database>
  readonly dbKind: 'postgres' | 'pglite'
  readonly tokens: TokenService
  readonly passwords: PasswordHasher
  readonly secrets: SecretBox
  /** Signs exported bundles with the instance key. */
  readonly bundleSigner: BundleSigner
  readonly faults: FaultInjector
  /** The durable queue behind background jobs (started on first use). */
  readonly queue: JobQueue
}
