#!/usr/bin/env node
// CI: the package as a user gets it. `npm pack`, then in an empty directory
// `npm install ./tether-relay-*.tgz` and `npx tether-relay serve` on PGlite, until
// GET /health answers 200, the installed CLI signs in and lists snapshots; SIGTERM
// then stops it. Proves the package runs from its compiled JavaScript with no
// TypeScript loader and no devDependencies. With NODE_BINARIES="path1 path2", `serve` runs under each.
/* global fetch, AbortSignal */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'tether-package-'))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}`)
}

function fail(message) {
  throw new Error(message)
}

/** Starts `npx tether-relay serve` with `node` first on PATH, waits for /health 200, stops it with SIGTERM. */
async function serveWith(node, app) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
  const env = {
    PATH: `${dirname(node)}${delimiter}${process.env.PATH}`,
    HOME: process.env.HOME,
    DATA_DIR: join(work, `data-${version}`),
    PORT: '0',
    HOST: '127.0.0.1',
    BOOTSTRAP_SUPERADMIN_EMAIL: 'root@example.test',
    BOOTSTRAP_SUPERADMIN_PASSWORD: 'Smoke-pass-123',
  }
  // Its own process group, so that SIGTERM reaches the server behind npx, as a Ctrl-C would.
  const child = spawn('npx', ['--no-install', 'tether-relay', 'serve'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  try {
    const deadline = Date.now() + 90_000
    let url
    while (!url) {
      if (Date.now() > deadline) fail(`the server did not listen within 90 s:\n${output}`)
      if (child.exitCode !== null) fail(`the server exited with ${child.exitCode}:\n${output}`)
      url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
      await sleep(200)
    }
    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) })
    const body = await health.json()
    if (health.status !== 200 || body.status !== 'ok') fail(`GET /health answered ${health.status} ${JSON.stringify(body)}`)
    if (!/"pid":/.test(output)) fail('no JSON log lines from the server')
    const page = await fetch(`${url}/`, { signal: AbortSignal.timeout(10_000) })
    if (page.status !== 200 || !/<div id="root">/.test(await page.text())) fail(`GET / (the admin console) answered ${page.status}`)
    // The installed CLI against it: login with the password on stdin, then a --json listing.
    const cli = (args, input) =>
      spawnSync('npx', ['--no-install', 'tether-relay', ...args, '--url', url], {
        cwd: app,
        env: { ...env, XDG_CONFIG_HOME: join(work, `config-${version}`) },
        input,
        encoding: 'utf8',
      })
    const login = cli(['login', '--email', 'root@example.test', '--password-stdin'], 'Smoke-pass-123\n')
    if (login.status !== 0) fail(`tether-relay login exited ${login.status}:\n${login.stderr}`)
    const listed = cli(['snapshots', 'list', '--json'])
    if (listed.status !== 0 || !Array.isArray(JSON.parse(listed.stdout).snapshots)) fail(`tether-relay snapshots list: ${listed.status}\n${listed.stderr}`)
    // Capture, export to a file and import it back: the streaming commands and their progress renderer load from the package.
    const created = cli(['org-snapshots', 'create', '--name', `Smoke ${version}`, '--source-user', 'root@example.test', '--json'])
    if (created.status !== 0) fail(`tether-relay org-snapshots create: ${created.status}\n${created.stderr}`)
    const bundle = join(work, `smoke-${version}.bundle.json`)
    const exported = cli(['org-snapshots', 'export', JSON.parse(created.stdout).snapshot._id, '-o', bundle])
    if (exported.status !== 0) fail(`tether-relay org-snapshots export: ${exported.status}\n${exported.stderr}`)
    const imported = cli(['org-snapshots', 'import', bundle, '--json'])
    if (imported.status !== 0 || JSON.parse(imported.stdout).message !== 'Snapshot imported') fail(`tether-relay org-snapshots import: ${imported.status}\n${imported.stderr}`)
    process.kill(-child.pid, 'SIGTERM')
    const exit = await Promise.race([exited, sleep(20_000, 'timeout')])
    if (exit === 'timeout' || !/"signal":"SIGTERM".*shutting down/.test(output)) {
      fail(`the server did not shut down on SIGTERM: ${JSON.stringify(exit)}\n${output}`)
    }
    console.log(`ok: npx tether-relay serve under Node.js ${version}: GET ${url}/health → 200, / serves the console, the CLI signs in, lists, exports and imports, shut down on SIGTERM`)
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

try {
  run(npm, ['pack', '--pack-destination', work], root)
  const tarball = readdirSync(work).find((name) => /^tether-relay-.*\.tgz$/.test(name)) ?? fail('npm pack made no tarball')
  const app = join(work, 'app')
  mkdirSync(app)
  run(npm, ['install', '--no-audit', '--no-fund', `../${tarball}`], app)

  const installed = join(app, 'node_modules', 'tether-relay')
  if (existsSync(join(app, 'node_modules', 'tsx'))) fail('tsx was installed: the package must not need a TypeScript loader')
  if (existsSync(join(installed, 'src'))) fail('the package ships src/: it must run from dist/')
  if (!existsSync(join(installed, 'dist', 'server.js'))) fail('the package has no dist/server.js')
  if (!existsSync(join(installed, 'dist', 'console', 'index.html'))) fail('the package has no admin console (dist/console)')
  for (const name of ['vite', 'react', '@mantine/core']) {
    if (existsSync(join(app, 'node_modules', name))) fail(`${name} was installed: the console ships built, its build tools are devDependencies`)
  }

  const help = spawnSync('npx', ['--no-install', 'tether-relay', '--help'], { cwd: app, encoding: 'utf8' })
  if (help.status !== 0 || !/Usage: tether-relay/.test(help.stdout)) fail(`tether-relay --help: ${help.status}\n${help.stderr}`)

  const nodes = (process.env.NODE_BINARIES ?? process.execPath).split(/\s+/).filter(Boolean)
  for (const node of nodes) await serveWith(node, app)
} finally {
  rmSync(work, { recursive: true, force: true })
}
