import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/connect.ts'

/**
 * The OpenAPI document the service serves at /openapi.json, built in this process
 * on an in-memory database: nothing listens and no migration runs. Used by the
 * client generator and the document's lint.
 */
export async function openapiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'client-generator-client-generator-client-generator',
    ENCRYPTION_KEY: '0'.repeat(64),
  })
  const database = await openDatabase(config.database)
  const app = await buildApp({ config, database })
  try {
    await app.ready()
    return app.swagger() as Record<string, unknown>
  } finally {
    await app.close()
    await database.close()
  }
}
