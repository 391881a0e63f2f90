import { call, connect, type Body, type RemoteOptions } from '../api.ts'
import { CommandFailure, UsageError } from '../errors.ts'
import { note, out, print, printJson, table } from '../output.ts'
import { waitFor } from './jobs.ts'
import { checkId, type SnapshotKind } from './snapshots.ts'

/**
 * snapshots push / org-snapshots push (SPEC §7.5): update the users and
 * organizations a snapshot was applied to with a newer version. --dry-run shows
 * each target's plan; otherwise the push runs as a job, which --wait follows.
 */

type Plan = Body<'post_user_snapshot_push', 200>['plan']
type TargetPlan = Plan['targets'][number]

interface PushOptions extends RemoteOptions {
  version?: number
  targets?: string
  policy?: 'keep-local' | 'take-snapshot'
  removeDeleted?: boolean
  dryRun?: boolean
  wait?: boolean
  timeout?: number
  pollMs?: number
}

function applicationIds(targets: string | undefined): string[] | undefined {
  if (targets === undefined) return undefined
  const ids = targets.split(',').map((id) => id.trim()).filter(Boolean)
  if (ids.length === 0) throw new UsageError('--targets needs at least one application id')
  for (const id of ids) checkId(id, 'application id in --targets')
  return [...new Set(ids)]
}

export async function push(kind: SnapshotKind, id: string, options: PushOptions): Promise<void> {
  checkId(id)
  if (options.dryRun && options.wait) throw new UsageError('--dry-run writes nothing and starts no job: there is nothing to --wait for')
  if (options.timeout !== undefined && !options.wait) throw new UsageError('--timeout is for --wait')
  const body = {
    version: options.version,
    applicationIds: applicationIds(options.targets),
    conflictPolicy: options.policy ?? 'keep-local',
    removeDeleted: options.removeDeleted ?? false,
  }
  const c = await connect(options)
  const request = { params: { path: { id }, query: { dryRun: options.dryRun || undefined } }, body }
  const post = () =>
    kind === 'user' ? call(c, c.client.POST('/api/user-snapshots/{id}/push', request)) : call(c, c.client.POST('/api/org-snapshots/{id}/push', request))

  if (options.dryRun) {
    // A dry run answers 200 with the plan; the type of the call is the union of both answers.
    const { plan } = (await post()) as Body<'post_user_snapshot_push', 200>
    if (options.json) printJson({ message: 'Dry run', plan })
    else printPushPlan(plan)
    const failing = plan.targets.filter((t) => !t.wouldSucceed).length
    if (failing > 0) throw new CommandFailure(`The push would fail on ${failing} of ${plan.targets.length} target(s); nothing was changed.`)
    return
  }

  const started = (await post()) as Body<'post_user_snapshot_push', 202>
  if (!options.wait) {
    if (options.json) return printJson(started)
    print(`${out.green('Push started:')} job ${out.bold(started.job._id)}, ${started.job.total} target${started.job.total === 1 ? '' : 's'}.`)
    print(out.dim(`Follow it with: tether-relay jobs wait ${started.job._id}`))
    return
  }
  if (!options.json) note(`Push started: job ${started.job._id}, ${started.job.total} target${started.job.total === 1 ? '' : 's'}.`)
  await waitFor(c, started.job._id, options)
}

const actionColors = { create: out.green, update: out.yellow, delete: out.red, keep: out.dim, conflict: (s: string) => out.bold(out.red(s)) }

export function printPushPlan(plan: Plan): void {
  if (plan.targets.length === 0) {
    print(out.dim('Nothing to push: every application of this snapshot already stands on this version.'))
    return
  }
  const failing = plan.targets.filter((t) => !t.wouldSucceed).length
  print(
    failing === 0
      ? out.green(out.bold(`Dry run: the push would succeed on ${plan.targets.length === 1 ? 'its target' : `all ${plan.targets.length} targets`}.`))
      : out.red(out.bold(`Dry run: the push would fail on ${failing} of ${plan.targets.length} target${plan.targets.length === 1 ? '' : 's'}.`)),
  )
  for (const target of plan.targets) printTarget(target)
}

function printTarget(t: TargetPlan): void {
  const where = `organization ${t.organizationId}${t.userId ? `, user ${t.userId}` : ''}`
  const verdict = t.wouldSucceed ? out.green('ok') : out.red('FAILS')
  print(`\n${out.bold(`Application ${t.applicationId}`)} ${out.dim(`(${where})`)}: version ${t.fromVersion} \u2192 ${t.toVersion}, ${verdict}`)
  for (const problem of t.problems) print(`  ${out.red(`${problem.status} ${problem.error}:`)} ${problem.message}`)
  if (t.changes.length === 0) {
    print(out.dim('  No item changes.'))
    return
  }
  print(
    table(
      ['  ACTION', 'KIND', 'NAME', 'FIELDS', 'REASON'],
      t.changes.map((change) => [
        `  ${actionColors[change.action](change.action)}`,
        change.kind,
        change.name,
        change.fields?.map((f) => (f.side === 'conflict' ? `${f.path} (both sides; ${f.resolution ?? 'local'} kept)` : `${f.path} (${f.side})`)).join(', '),
        change.reason,
      ]),
    ),
  )
}

