import { Anchor, Badge, Group, Stack, Text } from '@mantine/core'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { Link } from 'react-router'
import { api, unwrap, type ResponseOf } from '../api.ts'
import { Busy, ErrorAlert } from '../components.tsx'
import { paths, type SnapshotKind } from '../paths.ts'
import { PageButtons, RowsTable, useCursorPages } from './snapshot-items.tsx'
import { countsText } from './versions.tsx'

type ApplicationPage =
  | ResponseOf<'/api/user-snapshots/{id}/applications', 'get'>
  | ResponseOf<'/api/org-snapshots/{id}/applications', 'get'>
export type Application = ApplicationPage['applications'][number]

const pageSize = 25

/** One page of a snapshot's applications, newest first (GET …/{id}/applications). */
export function applicationsQuery(kind: SnapshotKind, id: string, cursor: string | undefined, limit = pageSize) {
  return {
    queryKey: ['snapshot-applications', kind, id, cursor ?? null, limit],
    queryFn: (): Promise<ApplicationPage> => {
      const params = { path: { id }, query: { limit, ...(cursor ? { cursor } : {}) } }
      return kind === 'user'
        ? unwrap(api.GET('/api/user-snapshots/{id}/applications', { params }))
        : unwrap(api.GET('/api/org-snapshots/{id}/applications', { params }))
    },
  }
}

export const whereText = (kind: SnapshotKind, a: Application) =>
  kind === 'user' ? (a.userEmail ?? 'a user since deleted') : (a.userEmail ?? 'no first user')

/**
 * Where the snapshot runs: every apply of it, a page at a time. A superadmin sees all;
 * an admin the applications into their own organization (the API filters; the text says so).
 */
export function ApplicationsPanel({
  kind,
  id,
  latest,
  superadmin,
  actions,
}: {
  kind: SnapshotKind
  id: string
  latest: number
  superadmin: boolean
  /** Offered above the list when there is something to act on (push updates). */
  actions?: ReactNode
}) {
  const pages = useCursorPages()
  const applications = useQuery({ ...applicationsQuery(kind, id, pages.cursor), placeholderData: keepPreviousData })
  if (applications.isPending) return <Busy label="Loading applications…" />
  if (applications.error) return <ErrorAlert error={applications.error} />
  const rows = applications.data.applications
  const scope = superadmin ? '' : ' into your organization'
  if (rows.length === 0 && pages.page === 1) {
    return (
      <Text c="dimmed" data-testid="no-applications">
        This snapshot has not been applied{scope} yet.{' '}
        <Anchor component={Link} to={paths.apply(kind, id)} underline="always">
          Apply it
        </Anchor>{' '}
        to {kind === 'user' ? 'set up a new user' : 'stand up a new organization'} from it; each apply is then listed
        here, and can receive later versions with “Push updates”.
        {superadmin ? '' : ' Applications into other organizations are visible to platform superadmins only.'}
      </Text>
    )
  }
  return (
    <Stack gap="xs">
      <Group justify="space-between" align="flex-end">
        <Text size="sm">
          Every apply of this snapshot{scope}, newest first: the version each target runs, and who applied it.
        </Text>
        {actions}
      </Group>
      <RowsTable
        rows={rows}
        busy={applications.isFetching}
        caption={applications.isPlaceholderData ? 'Applications: loading another page…' : `Applications, newest first, page ${pages.page}`}
        columns={[
          ['Applied', (a) => new Date(a.appliedAt).toLocaleString()],
          ['Organization', (a) => a.targetOrganizationName],
          [kind === 'user' ? 'User' : 'First user', (a) => whereText(kind, a)],
          [
            'Version',
            (a) => (
              <Stack gap={2} align="flex-start">
                <Text size="sm">{a.version}</Text>
                {a.version < latest && (
                  <Badge size="sm" variant="light" color="orange" style={{ overflow: 'visible' }}>
                    behind
                  </Badge>
                )}
              </Stack>
            ),
          ],
          ['Applied by', (a) => a.appliedByName],
          ['Items', (a) => countsText(a.counts)],
        ]}
      />
      <PageButtons
        label="Pages of applications"
        page={pages.page}
        hasNext={!!applications.data.nextCursor}
        onPrevious={pages.previous}
        onNext={() => applications.data.nextCursor && pages.next(applications.data.nextCursor)}
      />
    </Stack>
  )
}
