import type { AddressInfo } from 'node:net'
import type { App } from './app.ts'
import type { Config } from './config.ts'
import { superadminExists } from './modules/users/users.repository.ts'

/**
 * What a person starting the server needs to know: where it answers, where the data
 * and the secrets are, and how to get in. On a terminal it is printed in plain words;
 * otherwise (a service manager, a container, a test) it is one JSON log line.
 */
export interface StartupFacts {
  api: string
  docs: string
  console: string
  storage: string
  secrets: string
  /** Set while no SUPERADMIN exists: how to create the first one. */
  firstSuperadmin?: string
}

function baseUrl(app: App): string {
  const address = app.server.address() as AddressInfo
  const host = ['0.0.0.0', '::'].includes(address.address) ? 'localhost' : address.address
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
}

function describeStorage(config: Config): string {
  if (config.database.kind === 'postgres') {
    const url = new URL(config.database.url)
    return `PostgreSQL database ${url.pathname.slice(1) || '(default)'} on ${url.host}`
  }
  return config.database.dataDir === 'memory://'
    ? 'in memory (DATA_DIR=memory://): everything is lost when the server stops'
    : `embedded PostgreSQL (PGlite) in ${config.database.dataDir}`
}

function describeSecrets(config: Config): string {
  const source = config.secretsSource
  if (source.kind === 'environment') return 'JWT_SECRET and ENCRYPTION_KEY from the environment'
  if (source.kind === 'memory') return 'generated for this run only (DATA_DIR=memory://)'
  return source.created
    ? `generated now and saved in ${source.file} (keep it: stored credentials cannot be read without it)`
    : `read from ${source.file}`
}

const createCommand = "npm run cli -- create-superadmin --email you@example.com --password '<at least 8 characters>'"

/** The embedded database is held by the server (one process per DATA_DIR), so the CLI runs once it has stopped. */
function firstSuperadminHint(config: Config): string {
  const bootstrap = 'or start the server with BOOTSTRAP_SUPERADMIN_EMAIL and BOOTSTRAP_SUPERADMIN_PASSWORD set'
  return config.database.kind === 'pglite' && config.database.dataDir !== 'memory://'
    ? `Stop the server (Ctrl+C), then run: ${createCommand}; ${bootstrap}.`
    : `Run: ${createCommand}; ${bootstrap}.`
}

export async function startupFacts(app: App): Promise<StartupFacts> {
  const { config, db } = app.ctx
  const base = baseUrl(app)
  const hasSuperadmin = await superadminExists(db)
  return {
    api: `${base}/api`,
    docs: `${base}/docs`,
    console: `${base}/`,
    storage: describeStorage(config),
    secrets: describeSecrets(config),
    ...(!hasSuperadmin && { firstSuperadmin: firstSuperadminHint(config) }),
  }
}

export function plainWords(facts: StartupFacts): string {
  const lines = [
    '',
    'Tether Relay is running.',
    '',
    `  Console    ${facts.console}`,
    `  API        ${facts.api}`,
    `  API docs   ${facts.docs}`,
    `  Data       ${facts.storage}`,
    `  Secrets    ${facts.secrets}`,
    '',
  ]
  if (facts.firstSuperadmin) {
    const [first, second] = facts.firstSuperadmin.split('; ')
    const [lead, command] = first!.split(': ')
    lines.push(`No superadmin exists yet. ${lead}:`, '', `    ${command}`, '', `  ${second}`, '')
  }
  lines.push('Stop with Ctrl+C.', '')
  return lines.join('\n')
}

/** Prints the facts in words on a terminal, or logs them as one JSON line. */
export async function reportStartup(app: App, output: NodeJS.WriteStream = process.stdout): Promise<void> {
  const facts = await startupFacts(app)
  if (output.isTTY) output.write(plainWords(facts))
  else app.log.info(facts, 'ready')
}
