import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { after, before } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import { testSecrets } from '../helpers/app.ts'
import { launchBrowser, seriousAxeViolations } from '../helpers/browser.ts'
import { createPostgresDatabase, testDatabaseKind } from '../helpers/database.ts'
import { httpJson, runScript, startServer, useProcesses, type ServerProcess } from '../helpers/process.ts'

/**
 * The real server (as `npm start` runs it, on PGlite or, in the PostgreSQL pass, on
 * a fresh database) with the built console, a headless Chromium, and tenants made
 * through the API: a source organization whose sales rep holds automations that
 * refer to stages and an agent, and a target organization whose pipeline lacks
 * one of those stages (so the apply needs a mapping fixed in the form).
 */
/**
 * The page's globals inside page.evaluate (the test's own TypeScript has no DOM library).
 * Only a type: evaluated functions are sent as source and cannot call test code.
 */
export type PageGlobals = {
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void; clear(): void }
  document: { getAnimations(): { playState: string }[]; activeElement: { getAttribute(name: string): string | null } | null }
}

export const superadmin = { email: 'root@console.test', password: 'Root-pass-2026' }
export const password = 'Console-pass-2026'
const suffix = () => randomBytes(3).toString('hex')
const phone = () => `+1${String(randomInt(2_000_000_000, 9_999_999_999))}`

export interface Account {
  id: string
  email: string
  token: string
}

export interface ConsoleWorld {
  server: ServerProcess
  page: Page
  superadminToken: string
  source: { orgId: string; orgName: string; admin: Account; rep: Account }
  target: { orgId: string; orgName: string; admin: Account }
  call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }>
}

export function useConsoleWorld(): ConsoleWorld {
  const world = {} as ConsoleWorld
  const { tempDir } = useProcesses()
  let closeBrowser = async () => {}
  let dropDatabase = async () => {}

  before(async () => {
    const build = await runScript('scripts/build-console.mjs', ['--if-stale'], {}, 180_000)
    assert.equal(build.code, 0, `console build failed:\n${build.stderr}\n${build.stdout}`)
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      ...testSecrets,
      DATA_DIR: tempDir(),
      BOOTSTRAP_SUPERADMIN_EMAIL: superadmin.email,
      BOOTSTRAP_SUPERADMIN_PASSWORD: superadmin.password,
      LOG_LEVEL: 'info',
      // The tests seed dozens of items through the API as one caller; the general limit is tested elsewhere.
      RATE_LIMIT_MAX: '100000',
    }
    if (testDatabaseKind === 'postgres') {
      const database = await createPostgresDatabase()
      env.DATABASE_URL = database.url
      dropDatabase = () => database.drop()
    }
    world.server = await startServer(env, 90_000)
    world.call = async (method, path, token, body) => {
      const { status, body: answer } = await httpJson(world.server, method, path, { token, body })
      return { status, body: answer }
    }
    await seed(world)
    const browser = await launchBrowser()
    closeBrowser = () => browser.close()
    world.page = await browser.context.newPage()
    world.page.setDefaultTimeout(15_000)
  })
  after(async () => {
    await closeBrowser()
    await world.server?.stop()
    await dropDatabase()
  })
  return world
}

async function login(world: ConsoleWorld, email: string, secret: string): Promise<string> {
  const answer = await world.call('POST', '/api/auth/login', '', { email, password: secret })
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  return answer.body.token as string
}

async function expectCreated(answer: { status: number; body: any }) {
  assert.ok(answer.status === 201 || answer.status === 200, JSON.stringify(answer.body))
  return answer.body
}

async function newOrganization(world: ConsoleWorld, name: string, adminEmail: string) {
  const created = await expectCreated(
    await world.call('POST', '/api/organizations', world.superadminToken, {
      name,
      phoneNumber: phone(),
      address: '1 Console Street',
      adminDetails: { email: adminEmail, password, fullName: `Admin of ${name}` },
      creds: { anthropicApiKey: `sk-ant-${suffix()}${suffix()}` },
    }),
  )
  const token = await login(world, adminEmail, password)
  return { orgId: created.data.organizationId as string, orgName: name, admin: { id: created.data.adminUserId as string, email: adminEmail, token } }
}

async function seed(world: ConsoleWorld) {
  world.superadminToken = await login(world, superadmin.email, superadmin.password)
  const tag = suffix()
  const source = await newOrganization(world, `Acme ${tag}`, `admin-${tag}@acme.test`)
  const target = await newOrganization(world, `Globex ${tag}`, `admin-${tag}@globex.test`)
  const admin = source.admin.token
  await expectCreated(
    await world.call('POST', '/api/pipelines', admin, {
      name: 'Sales',
      type: 'Contact',
      isDefault: true,
      stages: [{ name: 'New' }, { name: 'Contacted' }, { name: 'Qualified' }],
    }),
  )
  const agent = await expectCreated(await world.call('POST', '/api/agents', admin, { name: 'Closer', description: 'Closes deals' }))
  const repEmail = `rep-${tag}@acme.test`
  const rep = await expectCreated(
    await world.call('POST', '/api/user', admin, { email: repEmail, password, fullName: 'Riley Rep', accessRole: 'SALES_REP' }),
  )
  const repToken = await login(world, repEmail, password)
  await expectCreated(await world.call('POST', '/api/prompts', repToken, { name: 'Greeter', prompt: 'Greet the lead warmly.' }))
  await expectCreated(await world.call('POST', '/api/templates', repToken, { name: 'Intro', template: 'Hi {{firstName}}!', type: 'sms' }))
  await expectCreated(
    await world.call('POST', '/api/automations', repToken, {
      name: 'Move to Contacted on first reply',
      event: 'message.received',
      sourceStatuses: ['New'],
      actions: { targetStage: 'Contacted' },
    }),
  )
  await expectCreated(
    await world.call('POST', '/api/automations', repToken, {
      name: 'Hand qualified leads to Closer',
      event: 'message.received',
      sourceStatuses: ['Qualified'],
      actions: { agentId: agent.agent._id },
    }),
  )
  // The target has "Reached Out" where the source has "Contacted", and its own "Closer".
  await expectCreated(
    await world.call('POST', '/api/pipelines', target.admin.token, {
      name: 'Pipeline',
      type: 'Contact',
      stages: [{ name: 'New' }, { name: 'Reached Out' }, { name: 'Qualified' }],
    }),
  )
  await expectCreated(await world.call('POST', '/api/agents', target.admin.token, { name: 'Closer' }))
  world.source = { ...source, rep: { id: rep.user._id, email: repEmail, token: repToken } }
  world.target = target
}

/** Signs in through the sign-in screen (signing out first if someone is signed in). */
export async function signIn(world: ConsoleWorld, email: string, secret = password) {
  const { page } = world
  await page.goto(`${world.server.url}/sign-in`)
  await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.clear())
  await page.goto(`${world.server.url}/sign-in`)
  await page.getByLabel(/^Email/).fill(email)
  await page.getByLabel(/^Password/).fill(secret)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
}

/** Picks `option` in the Mantine Select labelled `label`. */
export async function choose(page: Page, label: string | RegExp, option: string | RegExp) {
  await page.getByRole('combobox', { name: label }).click()
  await page.getByRole('option', { name: option }).click()
}

/** No serious or critical axe-core violation on the screen as it is now. */
export async function expectAccessible(page: Page, screen: string) {
  // Colours are judged once transitions (a dialog fading in) have finished.
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getAnimations().every((animation) => animation.playState !== 'running'))
  const violations = await seriousAxeViolations(page)
  assert.deepEqual(violations, [], `${screen}: ${JSON.stringify(violations, null, 2)}`)
}

/**
 * With CONSOLE_SCREENSHOTS=<dir> (e.g. docs/console), the test saves the screens it
 * passes through there: `CONSOLE_SCREENSHOTS=docs/console npm test -- workflow.browser`
 * refreshes the README's pictures.
 */
export async function screenshot(page: Page, name: string) {
  const dir = process.env.CONSOLE_SCREENSHOTS
  if (!dir) return
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getAnimations().every((a) => a.playState !== 'running'))
  // From the top: a scrolled page would draw the fixed header over the middle of a full-page picture.
  await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0))
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true })
}

/** Presses Tab until `target` has the focus (at most `limit` times): how a keyboard user gets there. */
export async function tabTo(page: Page, target: Locator, limit = 60) {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((element) => element === (element.ownerDocument as { activeElement: unknown }).activeElement)) return
    await page.keyboard.press('Tab')
  }
  assert.fail(`could not reach ${String(target)} with Tab`)
}
