import { readFile, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { call, connect, type Body, type Connection, type RemoteOptions } from '../api.ts'
import { CommandFailure, UsageError } from '../errors.ts'
import { note, out, print, printJson, counts } from '../output.ts'
import { printPlan } from '../plan.ts'
import { askSecret, askText, confirm, interactive, readPassword, readStdin } from '../prompts.ts'
import { buildUserMappings } from '../mapping-builder.ts'
import { checkId, type SnapshotKind } from './snapshots.ts'

/**
 * snapshots apply / org-snapshots apply. The request body comes from --mappings
 * (a JSON file), the options override its fields, and what is still missing is
 * asked for on a terminal: mappings built from apply-refs, passwords hidden.
 * Without a terminal nothing is asked: a missing field is a usage error.
 */

interface ApplyOptions extends RemoteOptions {
  mappings?: string
  version?: number
  dryRun?: boolean
  passwordStdin?: boolean
  saveMappings?: string
  yes?: boolean
  // user snapshots
  email?: string
  fullName?: string
  role?: string
  phone?: string
  designation?: string
  organization?: string
  automations?: boolean
  prompts?: boolean
  templates?: boolean
  // org snapshots
  orgName?: string
  orgPhone?: string
  orgAddress?: string
  adminEmail?: string
  adminName?: string
  adminPhone?: string
}

type Json = Record<string, unknown>

const roles = ['ADMIN', 'DEPARTMENT_HEAD', 'SALES_REP']

async function readBody(options: ApplyOptions): Promise<Json> {
  if (options.mappings === undefined) return {}
  if (options.mappings === '-' && options.passwordStdin) throw new UsageError('--mappings - and --password-stdin cannot both read standard input')
  let text: string
  try {
    text = options.mappings === '-' ? await readStdin() : await readFile(options.mappings, 'utf8')
  } catch (error) {
    throw new CommandFailure(`Cannot read ${options.mappings}: ${(error as Error).message}`)
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${options.mappings} is not valid JSON: ${(error as Error).message}`)
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new UsageError(`${options.mappings} must hold a JSON object (the apply request body)`)
  return body as Json
}

/** A field of a nested object: the option wins, then the file, then a terminal question, else a usage error. */
async function required(current: unknown, option: string | undefined, flag: string, question: string, check?: (v: string) => string | undefined): Promise<string> {
  const value = option ?? (typeof current === 'string' ? current : undefined)
  if (value !== undefined) {
    const problem = check?.(value)
    if (problem) throw new UsageError(`${flag}: ${problem}`)
    return value
  }
  if (!interactive()) throw new UsageError(`${flag} is required (or give it in the --mappings file)`)
  return askText(question, check)
}

const emailCheck = (v: string) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? undefined : 'must be an email address')
const roleCheck = (v: string) => (roles.includes(v) ? undefined : `must be one of ${roles.join(', ')}`)

/** The new user's password: the file, --password-stdin, a hidden prompt; a dry run needs none (a throwaway one is sent). */
async function newPassword(current: unknown, options: ApplyOptions, email: string): Promise<string> {
  if (typeof current === 'string' && !options.passwordStdin) return current
  if (options.dryRun && !options.passwordStdin) return `dry-run-${randomBytes(12).toString('hex')}`
  return readPassword(options, `Password for the new user ${email} (at least 8 characters)`)
}

/** What --save-mappings writes: the body without any password or credential value. */
function withoutSecrets(body: Json): Json {
  const copy = structuredClone(body)
  for (const key of ['newUser', 'firstUser']) {
    const user = copy[key]
    if (user && typeof user === 'object') delete (user as Json).password
  }
  delete copy.credentials
  return copy
}

export async function apply(kind: SnapshotKind, id: string, options: ApplyOptions): Promise<void> {
  checkId(id)
  if (options.organization !== undefined) checkId(options.organization, '--organization')
  const body = await readBody(options)
  const c = await connect(options)
  if (kind === 'user') await prepareUserBody(c, id, body, options)
  else await prepareOrgBody(c, id, body, options)

  if (options.saveMappings) {
    await writeFile(options.saveMappings, `${JSON.stringify(withoutSecrets(body), null, 2)}\n`)
    note(out.dim(`The request body (without passwords or credentials) was saved to ${options.saveMappings}.`))
  }

  if (options.dryRun) {
    const plan = await post(c, kind, id, body, options, true)
    if (options.json) printJson(plan)
    else printPlan(plan.plan, plan.result)
    if (!plan.plan.wouldSucceed) throw new CommandFailure(`The apply would fail (${plan.plan.problems.length} problem(s)); nothing was changed.`)
    return
  }
  // On a terminal, the plan is shown and confirmed first; scripts (and --yes) apply at once.
  if (interactive() && !options.yes && !options.json) {
    const plan = await post(c, kind, id, body, options, true)
    printPlan(plan.plan, plan.result)
    if (!plan.plan.wouldSucceed) throw new CommandFailure('The apply would fail: nothing was changed.')
    if (!(await confirm('Apply now?'))) throw new CommandFailure('Cancelled: nothing was changed.')
  }
  const applied = await post(c, kind, id, body, options, false)
  if (options.json) return printJson(applied)
  const result = applied.result
  print(`${out.green('Applied.')} ${applied.message}`)
  if (kind === 'user') print(`New user ${out.bold(result.userEmail ?? '')} ${out.dim(result.userId ?? '')}: cloned ${counts(result.cloned)}.`)
  else {
    print(`New organization ${out.bold(result.organizationName ?? '')} ${out.dim(result.organizationId ?? '')}: cloned ${counts(result.cloned)}.`)
    if (result.userEmail) print(`First ADMIN: ${result.userEmail} ${out.dim(result.userId ?? '')}`)
    const missing = result.credentials?.missing ?? []
    if (missing.length > 0) print(out.yellow(`Credentials still missing: ${missing.join(', ')}`))
  }
}

interface ApplyAnswer {
  message: string
  result: Json & {
    cloned?: Json
    skipped?: Json
    mapped?: Json
    userId?: string | null
    userEmail?: string | null
    organizationId?: string | null
    organizationName?: string
    credentials?: { missing?: string[] }
  }
  plan: Body<'post_user_snapshot_apply', 200>['plan']
}

async function post(c: Connection, kind: SnapshotKind, id: string, body: Json, options: ApplyOptions, dryRun: boolean): Promise<ApplyAnswer> {
  const path = { id }
  // The body was checked by the server's schema, not here: a 400 names every bad field.
  const answer =
    kind === 'user'
      ? await call(c, c.client.POST('/api/user-snapshots/{id}/apply', {
          params: { path, query: { dryRun: dryRun || undefined, organizationId: options.organization, version: options.version } },
          body: body as never,
        }))
      : await call(c, c.client.POST('/api/org-snapshots/{id}/apply', {
          params: { path, query: { dryRun: dryRun || undefined, version: options.version } },
          body: body as never,
        }))
  return answer as unknown as ApplyAnswer
}

async function prepareUserBody(c: Connection, id: string, body: Json, options: ApplyOptions): Promise<void> {
  const user = (body.newUser && typeof body.newUser === 'object' ? body.newUser : {}) as Json
  user.email = await required(user.email, options.email, '--email', 'Email of the new user', emailCheck)
  user.fullName = await required(user.fullName, options.fullName, '--full-name', 'Full name of the new user')
  user.accessRole = await required(user.accessRole, options.role, '--role', `Role of the new user (${roles.join(', ')})`, roleCheck)
  if (options.phone !== undefined) user.phoneNumber = options.phone
  if (options.designation !== undefined) user.designation = options.designation
  user.password = await newPassword(user.password, options, user.email as string)
  body.newUser = user
  if (options.automations === false) body.applyAutomations = false
  if (options.prompts === false) body.applyPrompts = false
  if (options.templates === false) body.applyTemplates = false

  // No mapping file on a terminal: build the mappings from apply-refs, asking only about what names do not match.
  if (options.mappings === undefined && interactive() && !options.json) {
    const refs = await call(c, c.client.GET('/api/user-snapshots/{id}/apply-refs', { params: { path: { id }, query: { organizationId: options.organization, version: options.version } } }))
    Object.assign(body, await buildUserMappings(refs))
  }
}

async function prepareOrgBody(c: Connection, id: string, body: Json, options: ApplyOptions): Promise<void> {
  body.orgName = await required(body.orgName, options.orgName, '--org-name', 'Name of the new organization')
  body.orgPhone = await required(body.orgPhone, options.orgPhone, '--org-phone', 'Phone of the new organization (+1 or +91 and 10 digits)')
  body.orgAddress = await required(body.orgAddress, options.orgAddress, '--org-address', 'Address of the new organization')
  const fileUser = (body.firstUser && typeof body.firstUser === 'object' ? body.firstUser : undefined) as Json | undefined
  if (fileUser || options.adminEmail !== undefined) {
    const first = fileUser ?? {}
    first.email = await required(first.email, options.adminEmail, '--admin-email', 'Email of the first ADMIN', emailCheck)
    first.fullName = await required(first.fullName, options.adminName, '--admin-name', 'Full name of the first ADMIN')
    if (options.adminPhone !== undefined) first.phoneNumber = options.adminPhone
    first.password = await newPassword(first.password, options, first.email as string)
    body.firstUser = first
  }
  // Credential values are secrets: from the file, or typed hidden on a terminal (Enter skips one).
  if (body.credentials === undefined && interactive() && !options.json && !options.dryRun) {
    const { snapshot } = await call(c, c.client.GET('/api/org-snapshots/{id}', { params: { path: { id }, query: { version: options.version } } }))
    const credentials: Record<string, string> = {}
    for (const name of snapshot.credentialNames) {
      const value = await askSecret(`Value for the credential ${name} (Enter to leave it unset)`, { optional: true })
      if (value) credentials[name] = value
    }
    if (Object.keys(credentials).length > 0) body.credentials = credentials
  }
}
