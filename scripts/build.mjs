#!/usr/bin/env node
// npm run build: compiles src/ to dist/ (JavaScript that production runs with plain
// node; no TypeScript loader). Type errors are `npm run check`'s job, so the build
// only emits (isolatedModules makes that safe) and takes a few seconds.
//
//   node scripts/build.mjs            clean build (what `npm run build` and `npm pack` run)
//   node scripts/build.mjs --if-stale only when a source is newer than the last build
//                                     (prestart and the bin launcher in a checkout; ~1 s when up to date)
//
// dist/console (the web console, `npm run build:console`) is left alone.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')
const keep = new Set(['console'])

function clean() {
  if (!existsSync(dist)) return
  for (const entry of readdirSync(dist)) if (!keep.has(entry)) rmSync(join(dist, entry), { recursive: true, force: true })
}

function findTsc() {
  try {
    return createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc')
  } catch {
    return undefined
  }
}

/** Returns the exit code. All output goes to stderr, so a launcher's stdout stays the command's own. */
export function build({ ifStale = false } = {}) {
  const tsc = findTsc()
  if (!tsc) {
    if (existsSync(join(dist, 'server.js'))) return 0 // installed without devDependencies: use the build there is
    console.error('Cannot build: TypeScript is not installed (run npm ci, which installs the devDependencies).')
    return 1
  }
  if (!ifStale) clean()
  // tsc --build compares the sources with dist/.tsbuildinfo and does nothing when they are older.
  const result = spawnSync(process.execPath, [tsc, '--build', 'tsconfig.build.json', '--noCheck'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  })
  if (result.status !== 0) console.error('Build failed: run npm run check to see why.')
  return result.status ?? 1
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(build({ ifStale: process.argv.includes('--if-stale') }))
}
