import { call, connect, type Body, type Connection, type RemoteOptions } from '../api.ts'
import { CommandFailure, UsageError } from '../errors.ts'
import { counts, fields, out, print, printJson, shortTime, table } from '../output.ts'

/** snapshots / org-snapshots: list, show, create. */

export type SnapshotKind = 'user' | 'org'
type UserSummary = Body<'get_user_snapshots', 200>['snapshots'][number]
type OrgSummary = Body<'get_org_snapshots', 200>['snapshots'][number]
type Summary = OrgSummary & Partial<UserSummary>

const objectId = /^[0-9a-fA-F]{24}$/

export function checkId(id: string, what = 'snapshot id'): string {
  if (!objectId.test(id)) throw new UsageError(`the ${what} must be 24 hexadecimal characters, got "${id}"`)
  return id
}

interface ListOptions extends RemoteOptions {
  limit?: number
  cursor?: string
  search?: string
  scope?: 'all' | 'global' | 'assigned' | 'mine'
}

export async function list(kind: SnapshotKind, options: ListOptions): Promise<void> {
  if (options.limit !== undefined && (options.limit < 1 || options.limit > 500)) throw new UsageError('--limit must be 1 to 500')
  const c = await connect(options)
  const query = { limit: options.limit, cursor: options.cursor, q: options.search }
  const page =
    kind === 'user'
      ? await call(c, c.client.GET('/api/user-snapshots', { params: { query: { ...query, scope: options.scope } } }))
      : await call(c, c.client.GET('/api/org-snapshots', { params: { query: { ...query, scope: options.scope === 'mine' ? 'mine' : options.scope && 'all' } } }))
  if (options.json) {
    printJson(page)
    return
  }
  const snapshots = page.snapshots as Summary[]
  if (snapshots.length === 0) {
    print(out.dim(options.cursor ? 'No more snapshots.' : 'No snapshots yet.'))
  } else {
    print(
      table(
        ['ID', 'NAME', 'ITEMS', 'SOURCE', ...(kind === 'user' ? ['SHARED'] : []), 'CREATED'],
        snapshots.map((s) => [
          s._id,
          s.name,
          counts(s.counts),
          kind === 'user' ? (s.sourceUserEmail ?? null) : (s.sourceOrgName ?? null),
          ...(kind === 'user' ? [s.isGlobal ? 'global' : `${s.assignedOrgIds?.length ?? 0} org(s)`] : []),
          shortTime(s.createdAt),
        ]),
      ),
    )
  }
  if (page.nextCursor) print(out.dim(`\nMore: the same command with --cursor ${page.nextCursor}`))
}

export async function show(kind: SnapshotKind, id: string, options: RemoteOptions & { version?: number }): Promise<void> {
  checkId(id)
  const c = await connect(options)
  const params = { params: { path: { id }, query: { version: options.version } } }
  if (kind === 'user') {
    const { snapshot } = await call(c, c.client.GET('/api/user-snapshots/{id}', params))
    if (options.json) return printJson({ snapshot })
    printHeader(snapshot, [['Shared', snapshot.isGlobal ? 'with every organization' : `with ${snapshot.assignedOrgIds.length} organization(s)`]])
    printUserItems(snapshot)
  } else {
    const { snapshot } = await call(c, c.client.GET('/api/org-snapshots/{id}', params))
    if (options.json) return printJson({ snapshot })
    printHeader(snapshot, [['Credentials', snapshot.credentialNames.join(', ') || null]])
    section(
      'Pipelines',
      ['NAME', 'TYPE', 'STAGES'],
      snapshot.pipelines.map((p) => [p.name + (p.isDefault ? out.dim(' (default)') : ''), p.type, p.stages.map((s) => s.name).join(', ')]),
    )
    section('Agents', ['NAME', 'DESCRIPTION'], snapshot.agents.map((a) => [a.name, a.description]))
    section(
      'Custom fields',
      ['TYPE', 'SECTIONS'],
      snapshot.dynamicProperties.map((d) => [d.type, d.sections.length]),
    )
    printUserItems(snapshot)
  }
}

function printHeader(s: UserSummary | OrgSummary, extra: [string, string | null][]): void {
  print(out.bold(s.name))
  print(
    fields([
      ['ID', s._id],
      ['Version', s.version],
      ['Description', s.description],
      ['Items', counts(s.counts)],
      ['Source', [s.sourceUserEmail, s.sourceOrgName].filter(Boolean).join(' in ') || null],
      ['Created', s.createdAt ? `${shortTime(s.createdAt)} by ${s.createdByName ?? s.createdBy ?? 'unknown'}` : null],
      ...extra,
    ]),
  )
}

type UserItems = Pick<Body<'get_user_snapshot', 200>['snapshot'], 'automations' | 'prompts' | 'templates' | 'sourcePipelineStageRefs' | 'sourceAgentRefs'>

function printUserItems(s: UserItems): void {
  section(
    'Automations',
    ['NAME', 'EVENT', 'ENABLED'],
    s.automations.map((a) => [a.name, a.event, a.enabled ? 'yes' : 'no']),
  )
  section('Prompts', ['NAME', 'HIDDEN'], s.prompts.map((p) => [p.name, p.isHidden ? 'yes' : 'no']))
  section('Templates', ['NAME', 'TYPE', 'CATEGORY'], s.templates.map((t) => [t.name, t.type, t.category]))
  section(
    'Stage references',
    ['AUTOMATION', 'FIELD', 'STAGE'],
    s.sourcePipelineStageRefs.map((r) => [r.automationName, r.field, r.value]),
  )
  section(
    'Agent references',
    ['AUTOMATION', 'FIELD', 'AGENT'],
    s.sourceAgentRefs.map((r) => [r.automationName, r.field, r.agentName ?? r.value]),
  )
}

function section(title: string, head: string[], rows: (string | number | null | undefined)[][]): void {
  print(`\n${out.bold(title)} ${out.dim(`(${rows.length})`)}`)
  if (rows.length > 0) print(table(head, rows))
}

interface CreateOptions extends RemoteOptions {
  name: string
  description?: string
  sourceOrg?: string
  sourceUser: string
}

export async function create(kind: SnapshotKind, options: CreateOptions): Promise<void> {
  const name = options.name.trim()
  if (name.length < 1 || name.length > 120) throw new UsageError('--name must be 1 to 120 characters')
  if (options.description !== undefined && options.description.length > 500) throw new UsageError('--description must be at most 500 characters')
  if (options.sourceOrg !== undefined) checkId(options.sourceOrg, '--source-org')
  const byEmail = options.sourceUser.includes('@')
  if (!byEmail) checkId(options.sourceUser, '--source-user (an id or an email)')

  const c = await connect(options)
  const sourceOrgId = options.sourceOrg ?? (await call(c, c.client.GET('/api/auth/verify-token'))).user.organizationId
  const sourceUserId = byEmail ? await userIdByEmail(c, kind, sourceOrgId, options.sourceUser) : options.sourceUser
  const body = { name, description: options.description, sourceOrgId, sourceUserId }
  const created =
    kind === 'user'
      ? await call(c, c.client.POST('/api/user-snapshots', { body }))
      : await call(c, c.client.POST('/api/org-snapshots', { body }))
  if (options.json) return printJson(created)
  const s = created.snapshot
  print(`Created snapshot ${out.bold(s.name)} ${out.dim(s._id)}: ${counts(s.counts)}.`)
}

/** The source-user pickers of the API list an organization's users; the email is matched case-insensitively. */
async function userIdByEmail(c: Connection, kind: SnapshotKind, organizationId: string, email: string): Promise<string> {
  const { users } =
    kind === 'user'
      ? await call(c, c.client.GET('/api/user-snapshots/orgs/{orgId}/users', { params: { path: { orgId: organizationId } } }))
      : await call(c, c.client.GET('/api/org-snapshots/orgs/{organizationId}/users', { params: { path: { organizationId } } }))
  const user = users.find((u) => u.email.toLowerCase() === email.toLowerCase())
  if (!user) throw new CommandFailure(`no user with the email ${email} in organization ${organizationId} (use --source-org to pick another)`)
  return user._id
}
