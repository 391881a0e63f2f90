import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { openapiDocument } from './openapi-document.ts'

/**
 * Lints the document the service serves at /openapi.json with Redocly CLI (pinned
 * in devDependencies), under redocly.yaml: its recommended rules, errors and
 * warnings alike fail `npm run check`. The one accepted warning is listed, with
 * why, in .redocly.lint-ignore.yaml (see docs/architecture.md, "API documents").
 */
const root = fileURLToPath(new URL('..', import.meta.url))
const file = '.tmp/openapi/openapi.json'
mkdirSync(`${root}.tmp/openapi`, { recursive: true })
writeFileSync(`${root}${file}`, JSON.stringify(await openapiDocument(), null, 2))
const result = spawnSync(
  process.execPath,
  [`${root}node_modules/@redocly/cli/bin/cli.js`, 'lint', file, '--max-problems', '50'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  },
)
process.exit(result.status ?? 1)
