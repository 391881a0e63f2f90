import { call, connect, type Body, type Connection, type RemoteOptions } from '../api.ts'
import { UsageError } from '../errors.ts'
import { counts, out, print, printJson, shortTime, table } from '../output.ts'
import { checkId, type SnapshotKind } from './snapshots.ts'

/** snapshots / org-snapshots: versions, recapture, diff (SPEC §7.2). */

type Versions = Body<'get_user_snapshot_versions', 200>['versions']
type Diff = Body<'get_org_snapshot_diff', 200>

async function versionsOf(c: Connection, kind: SnapshotKind, id: string): Promise<Versions> {
  const params = { params: { path: { id } } }
  const answer =
    kind === 'user'
      ? await call(c, c.client.GET('/api/user-snapshots/{id}/versions', params))
      : await call(c, c.client.GET('/api/org-snapshots/{id}/versions', params))
  return answer.versions
}

export async function versions(kind: SnapshotKind, id: string, options: RemoteOptions): Promise<void> {
  checkId(id)
  const c = await connect(options)
  const list = await versionsOf(c, kind, id)
  if (options.json) return printJson({ versions: list })
  print(
    table(
      ['VERSION', 'CAPTURED', 'BY', 'ITEMS', 'DESCRIPTION'],
      list.map((v, i) => [i === 0 ? `${v.version} ${out.dim('(latest)')}` : v.version, shortTime(v.createdAt), v.createdByName, counts(v.counts), v.description]),
    ),
  )
}

interface RecaptureOptions extends RemoteOptions {
  description?: string
}

export async function recapture(kind: SnapshotKind, id: string, options: RecaptureOptions): Promise<void> {
  checkId(id)
  if (options.description !== undefined && options.description.length > 500) throw new UsageError('--description must be at most 500 characters')
  const c = await connect(options)
  const request = { params: { path: { id } }, body: { description: options.description } }
  const created =
    kind === 'user'
      ? await call(c, c.client.POST('/api/user-snapshots/{id}/versions', request))
      : await call(c, c.client.POST('/api/org-snapshots/{id}/versions', request))
  if (options.json) return printJson(created)
  const { snapshot, changes } = created
  print(`Captured version ${out.bold(String(snapshot.version))} of ${out.bold(snapshot.name)} ${out.dim(snapshot._id)}: ${counts(snapshot.counts)}.`)
  print(
    snapshot.version > 1
      ? `Since version ${snapshot.version - 1}: ${changes.added} added, ${changes.removed} removed, ${changes.changed} changed.` +
          (changes.added + changes.removed + changes.changed > 0 ? out.dim(` See: tether-relay ${kind === 'user' ? 'snapshots' : 'org-snapshots'} diff ${id}`) : '')
      : 'This is its first version.',
  )
}

interface DiffOptions extends RemoteOptions {
  from?: number
  to?: number
}

export async function diff(kind: SnapshotKind, id: string, options: DiffOptions): Promise<void> {
  checkId(id)
  for (const flag of ['from', 'to'] as const) {
    if (options[flag] !== undefined && options[flag] < 1) throw new UsageError(`--${flag} must be a version number (1 or more)`)
  }
  const c = await connect(options)
  // Without --to: the latest version; without --from: the one before --to.
  let { from, to } = options
  if (to === undefined) to = (await versionsOf(c, kind, id))[0]?.version ?? 1
  from ??= Math.max(1, to - 1)
  const request = { params: { path: { id }, query: { from, to } } }
  const answer: Diff =
    kind === 'user'
      ? await call(c, c.client.GET('/api/user-snapshots/{id}/diff', request))
      : await call(c, c.client.GET('/api/org-snapshots/{id}/diff', request))
  if (options.json) return printJson(answer)
  printDiff(answer)
}

/** Section titles of the item kinds (the diff's `kind`); a kind added later shows under its own name. */
const kindTitles: Record<string, string> = {
  pipeline: 'Pipelines',
  stage: 'Stages',
  agent: 'Agents',
  dynamicProperties: 'Custom fields',
  credentialName: 'Credential names',
  automation: 'Automations',
  prompt: 'Prompts',
  template: 'Templates',
}

const marks = { added: '+', removed: '-', changed: '~' } as const

/** A diff for people: per kind, `+` added, `-` removed, `~` changed with each field as `path: old → new`. */
export function printDiff(d: Diff): void {
  const { added, removed, changed } = d.summary
  print(`${out.bold(`Version ${d.from} \u2192 ${d.to}`)}: ${added} added, ${removed} removed, ${changed} changed`)
  if (d.changes.length === 0) {
    print(out.dim(d.from === d.to ? 'The same version: nothing to compare.' : 'No differences.'))
    return
  }
  // In the server's order (Map.groupBy needs Node 21; the package supports 20).
  const byKind = new Map<string, Diff['changes']>()
  for (const change of d.changes) byKind.set(change.kind, [...(byKind.get(change.kind) ?? []), change])
  for (const [kind, changes] of byKind) {
    print(`\n${out.bold(kindTitles[kind] ?? kind)}`)
    for (const change of changes) {
      const color = change.change === 'added' ? out.green : change.change === 'removed' ? out.red : out.yellow
      const renamed = change.previousName !== undefined && change.previousName !== change.name ? out.dim(` (was "${change.previousName}")`) : ''
      print(`  ${color(`${marks[change.change]} ${change.name}`)}${renamed}`)
      for (const field of change.fields ?? []) print(`      ${field.path || '/'}: ${value(field, 'from')} \u2192 ${value(field, 'to')}`)
    }
  }
}

const longest = 100

/** A field's value as JSON, long ones cut (--json has them whole); an absent side says so. */
function value(field: { from?: unknown; to?: unknown }, side: 'from' | 'to'): string {
  if (!(side in field)) return out.dim('(none)')
  const text = JSON.stringify(field[side]) ?? 'null'
  const shown = text.length > longest ? `${text.slice(0, longest - 1)}\u2026` : text
  return side === 'from' ? out.red(shown) : out.green(shown)
}
