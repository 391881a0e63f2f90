#!/usr/bin/env node
// npm run build:console: builds the admin console (web/) with Vite into dist/console,
// which the API serves at /. With --if-stale it does nothing when dist/console is newer
// than every source file (npm start runs it that way, as do the browser tests).
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const out = join(root, 'dist', 'console')
const marker = join(out, 'index.html')
const sources = ['web', 'src/client', 'package-lock.json'].map((path) => join(root, path))

function newestMtime(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path)
    .filter((name) => name !== 'node_modules')
    .reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs)
}

export function consoleIsStale() {
  if (!existsSync(marker)) return true
  const built = statSync(marker).mtimeMs
  return sources.some((path) => existsSync(path) && newestMtime(path) > built)
}

const ifStale = process.argv.includes('--if-stale')
if (ifStale && !consoleIsStale()) process.exit(0)

const started = Date.now()
console.log(ifStale ? 'Building the admin console (missing or older than its sources)…' : 'Building the admin console…')
const { build } = await import('vite')
// Build beside the target and swap it in, so a server never serves a half-written build.
const scratch = join(root, 'dist', `.console-build-${process.pid}`)
try {
  await build({
    configFile: join(root, 'web', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: scratch, emptyOutDir: true },
  })
  rmSync(out, { recursive: true, force: true })
  try {
    renameSync(scratch, out)
  } catch (error) {
    // Another build finished first and took the place; its output is as fresh as ours.
    if (!existsSync(marker)) throw error
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
console.log(`Admin console built into dist/console in ${((Date.now() - started) / 1000).toFixed(1)} s`)
