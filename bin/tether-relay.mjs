#!/usr/bin/env node
// The `tether-relay` command: the compiled CLI in dist/. In a git checkout (where
// src/ exists) it first brings dist/ up to date, so `npx tether-relay` always runs
// the current sources; the installed package ships dist/ only.
import { existsSync } from 'node:fs'

if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { build } = await import('../scripts/build.mjs')
  const code = build({ ifStale: true })
  if (code !== 0) process.exit(code)
}
await import('../dist/cli/main.js')
