import { Option, type Command } from '@commander-js/extra-typings'
import { guarded } from './guard.ts'
import { integer, remote, seconds, version } from './remote-options.ts'
import type { SnapshotKind } from './commands/snapshots.ts'

/**
 * The lifecycle commands of a snapshot (versions, diff, bundles) and the jobs
 * commands: definitions only, each action imports its implementation when it runs.
 */

const versions = () => import('./commands/versions.ts')
const bundles = () => import('./commands/bundles.ts')
const jobs = () => import('./commands/jobs.ts')
const push = () => import('./commands/push.ts')

export function addLifecycleCommands(group: Command, kind: SnapshotKind): void {
  const groupName = kind === 'user' ? 'snapshots' : 'org-snapshots'

  const list = remote(group.command('versions').description('List the versions of a snapshot, newest first').argument('<id>', 'snapshot id'))
  list.action(guarded(list, async (id, options) => (await versions()).versions(kind, id, options)))

  const recapture = remote(
    group
      .command('recapture')
      .description('Capture the snapshot\u2019s source again as its next version (earlier versions stay as they were)')
      .argument('<id>', 'snapshot id')
      .option('--description <text>', 'what changed in this version (up to 500 characters)'),
  )
  recapture.action(guarded(recapture, async (id, options) => (await versions()).recapture(kind, id, options)))

  const diff = remote(
    group
      .command('diff')
      .description('Show what changed between two versions: items added, removed and changed, field by field')
      .argument('<id>', 'snapshot id')
      .option('--from <n>', 'the older version (default: the one before --to)', integer)
      .option('--to <n>', 'the newer version (default: the latest)', integer),
  )
  diff.action(guarded(diff, async (id, options) => (await versions()).diff(kind, id, options)))

  const exportCommand = remote(
    group
      .command('export')
      .description('Download the snapshot as a signed bundle file, to import on another server')
      .argument('<id>', 'snapshot id')
      .addOption(version('the version to export'))
      .option('-o, --output <file>', 'the file to write ("-": standard output; default: the name the server suggests, in this directory)')
      .option('--force', 'replace the file if it exists'),
  )
  exportCommand.action(guarded(exportCommand, async (id, options) => (await bundles()).exportBundle(kind, id, options)))

  const importCommand = remote(
    group
      .command('import')
      .description('Upload a bundle file (sent gzip-compressed); the server verifies its checksum and signature')
      .argument('<file>', `a bundle from ${groupName} export (plain or .gz)`),
  )
  importCommand.action(guarded(importCommand, async (file, options) => (await bundles()).importBundle(kind, file, options)))

  const pushCommand = remote(
    group
      .command('push')
      .description(`Update the ${kind === 'user' ? 'users' : 'organizations'} this snapshot was applied to with a newer version, keeping their local edits`)
      .argument('<id>', 'snapshot id')
      .addOption(version('the version to push'))
      .option('--targets <ids>', 'only these applications (comma-separated ids; default: every one on an older version)')
      .addOption(new Option('--policy <policy>', 'a field changed on both sides: keep the target\u2019s value or take the snapshot\u2019s').choices(['keep-local', 'take-snapshot'] as const).default('keep-local' as const))
      .option('--remove-deleted', 'delete items the snapshot no longer has from targets where they are unchanged')
      .option('--dry-run', 'show what the push would do to each target, write nothing')
      .option('--wait', 'follow the push job until it finishes (exit 1 if a target failed)')
      .option('--timeout <seconds>', 'with --wait: give up waiting after this long (the job goes on)', seconds),
  )
  pushCommand.action(guarded(pushCommand, async (id, options) => (await push()).push(kind, id, options)))
}

export function addJobCommands(program: Command): void {
  const group = program.command('jobs').usage('<command> [options]').description('Background jobs (snapshot pushes) and their progress')

  const list = remote(
    group
      .command('list')
      .description('List the jobs you can see, newest first')
      .option('--limit <n>', 'at most this many (1-200, default 50)', integer)
      .option('--cursor <cursor>', 'the next page of an earlier listing'),
  )
  list.action(guarded(list, async (options) => (await jobs()).list(options)))

  const show = remote(group.command('show').description('Show a job: its status and each target\u2019s result').argument('<id>', 'job id'))
  show.action(guarded(show, async (id, options) => (await jobs()).show(id, options)))

  const wait = remote(
    group
      .command('wait')
      .description('Follow a job until it finishes (a progress bar on a terminal); exit 1 if it failed or partially failed')
      .argument('<id>', 'job id')
      .option('--timeout <seconds>', 'give up waiting after this long (exit 1; the job goes on)', seconds)
      .option('--interval <seconds>', 'time between two looks at the job (default 1)', seconds),
  )
  wait.action(guarded(wait, async (id, options) => (await jobs()).wait(id, { ...options, pollMs: options.interval && options.interval * 1000 })))

  const retry = remote(
    group
      .command('retry')
      .description('Re-run the failed targets of a job (those that succeeded are never run again)')
      .argument('<id>', 'job id')
      .option('--wait', 'follow the job until it finishes again (exit 1 if a target failed)')
      .option('--timeout <seconds>', 'with --wait: give up waiting after this long (the job goes on)', seconds),
  )
  retry.action(guarded(retry, async (id, options) => (await jobs()).retry(id, options)))
}
