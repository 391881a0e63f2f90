/**
 * Import rules, checked by `npm run check` (depcruise). Imports flow one way:
 *
 *   server/cli → runtime → app → plugins, modules → context → db → config → shared
 *
 * Feature modules are layered: a module may import modules of lower layers only,
 * so no two modules depend on each other. Use cases spanning modules (a tenant
 * with its first admin, an apply) live in a layer above the modules they use.
 * A module not listed here cannot be imported by any listed module.
 */
const moduleLayers = [
  ['organizations', 'jobs', 'audit', 'idempotency'],
  ['users'],
  ['pipelines', 'agents', 'owned-items'],
  ['automations', 'prompts', 'templates', 'auth'],
  ['platform', 'applications'],
  ['snapshots'],
  ['user-snapshots', 'org-snapshots'],
  ['snapshot-push', 'bundles'],
]

const moduleRules = moduleLayers.flatMap((layer, rank) => {
  const lower = moduleLayers.slice(0, rank).flat()
  return layer.map((module) => ({
    name: `module-layers:${module}`,
    comment: `${module} may import only modules of lower layers: ${lower.join(', ') || 'none'}`,
    severity: 'error',
    from: { path: `^src/modules/${module}/` },
    to: { path: '^src/modules/([^/]+)/', pathNot: [`^src/modules/(${[module, ...lower].join('|')})/`] },
  }))
})

export default {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles, at any level', from: {}, to: { circular: true } },
    {
      name: 'shared-is-the-bottom',
      comment: 'shared/ is vocabulary every layer uses; it imports nothing of the service',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'config-reads-only-shared',
      severity: 'error',
      from: { path: '^src/config\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(shared/|config\\.ts$)' },
    },
    {
      name: 'db-below-features',
      comment: 'db/ (connection, schema types, migrations) knows no feature',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: '^src/(db/|shared/|config\\.ts$)' },
    },
    {
      name: 'context-below-features',
      severity: 'error',
      from: { path: '^src/context\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(db/|shared/|config\\.ts$|context\\.ts$)' },
    },
    {
      name: 'plugins-are-infrastructure',
      comment: 'Fastify plugins know no feature module and nothing above them',
      severity: 'error',
      from: { path: '^src/plugins/' },
      to: { path: '^src/(modules/|cli/|app\\.ts$|runtime\\.ts$|server\\.ts$)' },
    },
    {
      name: 'modules-below-the-app',
      comment: 'Feature modules are used by the app; they never import it, the plugins or the entry points',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: '^src/(plugins/|cli/|app\\.ts$|runtime\\.ts$|server\\.ts$)' },
    },
    ...moduleRules,
    {
      name: 'no-tests-in-production',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '(\\.test\\.ts$|^test/|^bench/|^scripts/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|web|data)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
}
