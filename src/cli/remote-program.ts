import { Option, type Command } from '@commander-js/extra-typings'
import { guarded } from './guard.ts'
import { addJobCommands, addLifecycleCommands } from './lifecycle-program.ts'
import { integer, remote, version } from './remote-options.ts'

/**
 * The commands that talk to a running server (definitions only; each action
 * imports its implementation when it runs).
 */

const session = () => import('./commands/session.ts')
const snapshots = () => import('./commands/snapshots.ts')
const apply = () => import('./commands/apply.ts')

export function addRemoteCommands(program: Command): void {
  const login = remote(
    program
      .command('login')
      .description('Sign in to a server and keep the token in your config directory (0600)')
      .option('--email <email>', 'your email (asked for on a terminal when left out)')
      .option('--password-stdin', 'read the password from the first line of standard input'),
  )
  login.action(guarded(login, async (options) => (await session()).login(options)))

  const logout = remote(program.command('logout').description('Forget the token kept for the server'))
  logout.action(guarded(logout, async (options) => (await session()).logout(options)))

  const whoami = remote(program.command('whoami').description('Show who the kept token signs in as'))
  whoami.action(guarded(whoami, async (options) => (await session()).whoami(options)))

  for (const kind of ['user', 'org'] as const) {
    const group = program
      .command(kind === 'user' ? 'snapshots' : 'org-snapshots')
      .usage('<command> [options]')
      .description(
        kind === 'user'
          ? 'User snapshots: a user\u2019s automations, prompts and templates'
          : 'Organization snapshots: pipelines, custom fields, agents and credential names (SUPERADMIN)',
      )

    const list = remote(
      group
        .command('list')
        .description('List the snapshots you can see, newest first')
        .option('--limit <n>', 'at most this many (1-500); without it, all of them', integer)
        .option('--cursor <cursor>', 'the next page of an earlier --limit listing')
        .option('--search <text>', 'only snapshots whose name contains this text (any case)')
        .addOption(
          new Option('--scope <scope>', 'which snapshots').choices(
            kind === 'user' ? (['all', 'global', 'assigned', 'mine'] as const) : (['all', 'mine'] as const),
          ),
        ),
    )
    list.action(guarded(list, async (options) => (await snapshots()).list(kind, options)))

    const show = remote(
      group.command('show').description('Show a snapshot: its items and references').argument('<id>', 'snapshot id').addOption(version('the version to show')),
    )
    show.action(guarded(show, async (id, options) => (await snapshots()).show(kind, id, options)))

    const create = remote(
      group
        .command('create')
        .description(kind === 'user' ? 'Capture a user\u2019s setup into a new snapshot' : 'Capture an organization\u2019s setup into a new snapshot')
        .requiredOption('--name <name>', 'snapshot name (1-120 characters)')
        .option('--description <text>', 'what the snapshot is for (up to 500 characters)')
        .option('--source-org <id>', kind === 'user' ? 'organization of the source user (default: yours)' : 'organization to capture (default: yours)')
        .requiredOption('--source-user <id|email>', kind === 'user' ? 'the user to capture' : 'the user whose automations, prompts and templates to capture'),
    )
    create.action(guarded(create, async (options) => (await snapshots()).create(kind, options)))

    const applyCommand = group
      .command('apply')
      .argument('<id>', 'snapshot id')
      .option('--mappings <file>', 'the apply request body as a JSON file (mappings, new user, ...); "-" reads standard input')
      .addOption(version('the version to apply'))
      .option('--dry-run', 'show what the apply would do, write nothing')
      .option('--password-stdin', 'read the new user\u2019s password from the first line of standard input')
      .option('--save-mappings <file>', 'write the request body that was sent (without passwords or credentials) to this file')
      .option('-y, --yes', 'on a terminal, apply without showing the plan and asking first')
    if (kind === 'user') {
      applyCommand
        .description('Create a new user with the snapshot\u2019s items (mappings built from apply-refs on a terminal)')
        .option('--email <email>', 'new user: login email')
        .option('--full-name <name>', 'new user: full name')
        .option('--role <role>', 'new user: ADMIN, DEPARTMENT_HEAD or SALES_REP')
        .option('--phone <phone>', 'new user: phone (+1 or +91 and 10 digits)')
        .option('--designation <text>', 'new user: designation')
        .option('--organization <id>', 'SUPERADMIN: apply into this organization (default: yours)')
        .option('--no-automations', 'do not clone automations')
        .option('--no-prompts', 'do not clone prompts')
        .option('--no-templates', 'do not clone templates')
    } else {
      applyCommand
        .description('Create a new organization from the snapshot, optionally with its first ADMIN')
        .option('--org-name <name>', 'new organization: name')
        .option('--org-phone <phone>', 'new organization: phone (+1 or +91 and 10 digits)')
        .option('--org-address <address>', 'new organization: address')
        .option('--admin-email <email>', 'first ADMIN: login email (no first user without it)')
        .option('--admin-name <name>', 'first ADMIN: full name')
        .option('--admin-phone <phone>', 'first ADMIN: phone')
    }
    remote(applyCommand)
    applyCommand.action(guarded(applyCommand, async (id, options) => (await apply()).apply(kind, id, options)))

    addLifecycleCommands(group, kind)
  }

  addJobCommands(program)

}
