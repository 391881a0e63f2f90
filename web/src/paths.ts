/**
 * Every address of the console. The server answers the top-level sections
 * below with the console's index.html (src/plugins/console.ts lists the same
 * sections; test/console/serving.test.ts checks that they agree).
 */
export const consoleSections = ['sign-in', 'user-snapshots', 'org-snapshots', 'audit'] as const

export type SnapshotKind = 'user' | 'org'

const base = (kind: SnapshotKind) => (kind === 'user' ? '/user-snapshots' : '/org-snapshots')

export const paths = {
  signIn: '/sign-in',
  catalogue: (kind: SnapshotKind) => base(kind),
  create: (kind: SnapshotKind) => `${base(kind)}/new`,
  detail: (kind: SnapshotKind, id: string) => `${base(kind)}/${id}`,
  apply: (kind: SnapshotKind, id: string) => `${base(kind)}/${id}/apply`,
  push: (kind: SnapshotKind, id: string) => `${base(kind)}/${id}/push`,
  audit: '/audit',
}
