import { Alert, Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Title } from '@mantine/core'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useEffect } from 'react'
import { Link, useSearchParams } from 'react-router'
import { api, isUserSnapshot, unwrap, type SnapshotSummary } from '../api.ts'
import { ErrorAlert } from '../components.tsx'
import { paths, type SnapshotKind } from '../paths.ts'
import { permissions, useSession } from '../session.ts'

const pageSize = 25

/** One page of a catalogue; main.tsx starts it before the first render when the app opens on a catalogue. */
export function catalogueQuery(kind: SnapshotKind, cursor: string | undefined) {
  return {
    queryKey: ['snapshots', kind, cursor ?? null],
    queryFn: (): Promise<{ snapshots: SnapshotSummary[]; nextCursor?: string | null }> => {
      const query = { limit: pageSize, ...(cursor ? { cursor } : {}) }
      return kind === 'user'
        ? unwrap(api.GET('/api/user-snapshots', { params: { query } }))
        : unwrap(api.GET('/api/org-snapshots', { params: { query } }))
    },
  }
}

const countsText = (snapshot: SnapshotSummary) =>
  Object.entries(snapshot.counts)
    .map(([kind, n]) => `${String(n)} ${kind}`)
    .join(', ')

export function Catalogue({ kind }: { kind: SnapshotKind }) {
  const current = useSession()!
  const can = permissions(current.user)
  const [params, setParams] = useSearchParams()
  // The cursors of the pages before this one, so "Previous" needs no extra request.
  const trail = params.getAll('after')
  const cursor = trail.at(-1)
  const title = kind === 'user' ? 'User snapshots' : 'Org snapshots'

  const list = useQuery({
    ...catalogueQuery(kind, cursor),
    placeholderData: keepPreviousData,
    enabled: kind === 'user' || can.orgSnapshots,
  })

  // The first screen is usable once a page of the catalogue is on it (npm run measure:console reads this mark).
  const ready = list.data !== undefined
  useEffect(() => {
    if (ready && performance.getEntriesByName('tether:catalogue-ready').length === 0) performance.mark('tether:catalogue-ready')
  }, [ready])

  if (kind === 'org' && !can.orgSnapshots) {
    return <Alert color="yellow">Organization snapshots are managed by platform superadmins only.</Alert>
  }

  const goTo = (next: string[]) => setParams(next.map((value): [string, string] => ['after', value]))
  const snapshots: SnapshotSummary[] = list.data?.snapshots ?? []
  const nextCursor = list.data?.nextCursor ?? null

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {title}
        </Title>
        <Button component={Link} to={paths.create(kind)}>
          Create snapshot
        </Button>
      </Group>
      <Text c="dimmed" size="sm">
        {kind === 'user'
          ? current.user.accessRole === 'SUPERADMIN'
            ? 'Every user snapshot on the platform, newest first.'
            : 'Snapshots shared with your organization or with everyone, newest first.'
          : 'Organization snapshots, newest first. Applying one stands up a new organization.'}
      </Text>
      {list.error && <ErrorAlert error={list.error} />}
      {list.isPending ? (
        <Group>
          <Loader size="sm" aria-label="Loading snapshots" />
          <Text>Loading snapshots…</Text>
        </Group>
      ) : snapshots.length === 0 && !cursor ? (
        <Alert color="blue" title="No snapshots yet" data-testid="empty-catalogue">
          {kind === 'user'
            ? 'Capture the setup of a top-performing user (their automations, prompts and templates) to share and apply it. '
            : 'Capture an organization (pipelines, custom fields, agents and one user’s items) to stand up new organizations from it. '}
          <Anchor component={Link} to={paths.create(kind)}>
            Create the first snapshot
          </Anchor>
          .
        </Alert>
      ) : (
        <>
          <Table.ScrollContainer minWidth={720}>
            <Table striped highlightOnHover verticalSpacing="xs" aria-busy={list.isFetching}>
              <Table.Caption>
                Page {trail.length + 1}
                {list.isFetching ? ' (loading…)' : ''}
              </Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">Source</Table.Th>
                  <Table.Th scope="col">Items</Table.Th>
                  {kind === 'user' && <Table.Th scope="col">Shared with</Table.Th>}
                  <Table.Th scope="col">Created</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {snapshots.map((snapshot) => (
                  <Table.Tr key={snapshot._id}>
                    <Table.Td>
                      <Anchor component={Link} to={paths.detail(kind, snapshot._id)} fw={500}>
                        {snapshot.name}
                      </Anchor>
                      {snapshot.description && (
                        <Text size="xs" c="dimmed" lineClamp={1}>
                          {snapshot.description}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{snapshot.sourceUserName ?? snapshot.sourceUserEmail ?? '—'}</Text>
                      <Text size="xs" c="dimmed">
                        {snapshot.sourceOrgName ?? 'imported'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{countsText(snapshot)}</Text>
                    </Table.Td>
                    {isUserSnapshot(snapshot) && (
                      <Table.Td>
                        {snapshot.isGlobal ? (
                          <Badge color="teal" variant="light">
                            Everyone
                          </Badge>
                        ) : (
                          <Text size="sm">
                            {snapshot.assignedOrgIds.length} organization{snapshot.assignedOrgIds.length === 1 ? '' : 's'}
                          </Text>
                        )}
                      </Table.Td>
                    )}
                    <Table.Td>
                      <Text size="sm">{snapshot.createdAt ? new Date(snapshot.createdAt).toLocaleDateString() : '—'}</Text>
                      <Text size="xs" c="dimmed">
                        {snapshot.createdByName ?? ''}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="space-between" component="nav" aria-label="Pages">
            <Button variant="default" disabled={trail.length === 0} onClick={() => goTo(trail.slice(0, -1))}>
              Previous page
            </Button>
            <Button variant="default" disabled={!nextCursor} onClick={() => nextCursor && goTo([...trail, nextCursor])}>
              Next page
            </Button>
          </Group>
        </>
      )}
    </Stack>
  )
}
