import { Alert, Anchor, Badge, Button, Group, Loader, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core'
import { useDebouncedCallback } from '@mantine/hooks'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { Suspense, lazy, useEffect, useState, type FormEvent } from 'react'
import { Link, useLocation, useNavigate } from 'react-router'
import { api, isUserSnapshot, unwrap, type SnapshotSummary } from '../api.ts'
import { ErrorAlert } from '../components.tsx'
import { paths, type SnapshotKind } from '../paths.ts'
import { permissions, useSession, type Role } from '../session.ts'

const pageSize = 25

// The import dialog loads when first opened, not with the first screen.
const ImportDialog = lazy(async () => ({ default: (await import('./bundles.tsx')).ImportDialog }))

export type CatalogueScope = 'all' | 'global' | 'assigned' | 'mine'

/**
 * What the catalogue shows, as its address says it: `q` (the name contains it),
 * `scope`, and `cursor` (the page; `page` is only its number, for the caption).
 * The cursors of the pages before it live in the history entry's state, so
 * "Previous page" needs no request and the address stays short after hundreds of pages.
 */
export interface CatalogueFilter {
  q: string
  scope: CatalogueScope
  cursor: string | undefined
  page: number
}

const scopeLabels: Record<CatalogueScope, string> = {
  all: 'All',
  global: 'Global',
  assigned: 'Assigned to my organization',
  mine: 'Created by me',
}

/** The scopes of GET …-snapshots?scope= (org snapshots are never shared: all or mine). */
const scopesOf = (kind: SnapshotKind): CatalogueScope[] => (kind === 'user' ? ['all', 'global', 'assigned', 'mine'] : ['all', 'mine'])

export function catalogueFilterOf(kind: SnapshotKind, params: URLSearchParams): CatalogueFilter {
  const scope = params.get('scope') as CatalogueScope | null
  const page = Number(params.get('page'))
  return {
    q: (params.get('q') ?? '').slice(0, 120),
    scope: scope && scopesOf(kind).includes(scope) ? scope : 'all',
    cursor: params.get('cursor') || undefined,
    page: Number.isInteger(page) && page > 1 ? page : 1,
  }
}

function addressOf(kind: SnapshotKind, filter: Partial<CatalogueFilter>): string {
  const params = new URLSearchParams()
  if (filter.q) params.set('q', filter.q)
  if (filter.scope && filter.scope !== 'all') params.set('scope', filter.scope)
  if (filter.cursor) {
    params.set('cursor', filter.cursor)
    params.set('page', String(filter.page ?? 2))
  }
  const search = params.toString()
  return `${paths.catalogue(kind)}${search ? `?${search}` : ''}`
}

/** One page of a catalogue; main.tsx starts it before the first render when the app opens on a catalogue. */
export function catalogueQuery(kind: SnapshotKind, filter: CatalogueFilter) {
  const q = filter.q.trim() || undefined
  const cursor = filter.cursor
  return {
    queryKey: ['snapshots', kind, q ?? '', filter.scope, cursor ?? null],
    queryFn: (): Promise<{ snapshots: SnapshotSummary[]; nextCursor?: string | null }> => {
      if (kind === 'user') {
        const scope = filter.scope === 'all' ? undefined : filter.scope
        return unwrap(api.GET('/api/user-snapshots', { params: { query: { limit: pageSize, cursor, q, scope } } }))
      }
      const scope = filter.scope === 'mine' ? 'mine' : undefined
      return unwrap(api.GET('/api/org-snapshots', { params: { query: { limit: pageSize, cursor, q, scope } } }))
    },
  }
}

const countsText = (snapshot: SnapshotSummary) =>
  Object.entries(snapshot.counts)
    .map(([kind, n]) => `${String(n)} ${kind}`)
    .join(', ')

function intro(kind: SnapshotKind, role: Role) {
  if (kind === 'org') return 'Organization snapshots, newest first. Applying one stands up a new organization.'
  return role === 'SUPERADMIN'
    ? 'Every user snapshot on the platform, newest first.'
    : 'Snapshots shared with your organization or with everyone, newest first.'
}

export function Catalogue({ kind }: { kind: SnapshotKind }) {
  const current = useSession()!
  const can = permissions(current.user)
  const location = useLocation()
  const navigate = useNavigate()
  const filter = catalogueFilterOf(kind, new URLSearchParams(location.search))
  const trail = ((location.state as { trail?: unknown } | null)?.trail ?? []) as (string | null)[]
  const title = kind === 'user' ? 'User snapshots' : 'Org snapshots'

  const list = useQuery({
    ...catalogueQuery(kind, filter),
    placeholderData: keepPreviousData,
    enabled: kind === 'user' || can.orgSnapshots,
  })

  // The first screen is usable once a page of the catalogue is on it (npm run measure:console reads this mark).
  const ready = list.data !== undefined
  useEffect(() => {
    if (ready && performance.getEntriesByName('tether:catalogue-ready').length === 0) performance.mark('tether:catalogue-ready')
  }, [ready])

  // The search box applies what is typed after a pause (or at once on Enter); the address keeps it.
  const [text, setText] = useState(filter.q)
  const [shownQ, setShownQ] = useState(filter.q)
  if (shownQ !== filter.q) {
    setShownQ(filter.q)
    // The address changed under the box (back button, "show every snapshot"): show what it says. A change
    // the box made itself is left alone, so a pause-triggered search never rewinds what is still being typed.
    if (!(location.state as { fromSearchBox?: boolean } | null)?.fromSearchBox) setText(filter.q)
  }
  const search = (q: string) => {
    if (q !== filter.q) void navigate(addressOf(kind, { q, scope: filter.scope }), { replace: true, state: { fromSearchBox: true } })
  }
  const searchLater = useDebouncedCallback(search, 350)
  const [importing, setImporting] = useState(false)

  if (kind === 'org' && !can.orgSnapshots) {
    return <Alert color="yellow">Organization snapshots are managed by platform superadmins only.</Alert>
  }

  const snapshots: SnapshotSummary[] = list.data?.snapshots ?? []
  const nextCursor = list.data?.nextCursor ?? null
  const filtered = filter.q.trim() !== '' || filter.scope !== 'all'
  const goToPage = (cursor: string | null, page: number, nextTrail: (string | null)[]) =>
    void navigate(addressOf(kind, { ...filter, cursor: cursor ?? undefined, page }), { state: { trail: nextTrail } })
  const previous = trail.length > 0 ? trail[trail.length - 1]! : undefined
  const clearFilters = () => void navigate(addressOf(kind, {}))

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {title}
        </Title>
        <Group>
          <Button variant="default" onClick={() => setImporting(true)}>
            Import bundle…
          </Button>
          <Button component={Link} to={paths.create(kind)}>
            Create snapshot
          </Button>
        </Group>
      </Group>
      {importing && (
        <Suspense fallback={null}>
          <ImportDialog kind={kind} opened onClose={() => setImporting(false)} />
        </Suspense>
      )}
      <Text c="dimmed" size="sm">
        {intro(kind, current.user.accessRole)}
      </Text>
      <Group
        align="flex-end"
        component="form"
        role="search"
        aria-label="Find snapshots"
        onSubmit={(event: FormEvent) => {
          event.preventDefault()
          searchLater.cancel()
          search(text)
        }}
      >
        <TextInput
          label="Search by name"
          placeholder="Part of a snapshot’s name"
          type="search"
          maxLength={120}
          w={320}
          value={text}
          onChange={(event) => {
            setText(event.currentTarget.value)
            searchLater(event.currentTarget.value)
          }}
        />
        <Stack gap={4}>
          <Text size="sm" fw={500} id={`scope-${kind}`}>
            Show
          </Text>
          <SegmentedControl
            aria-labelledby={`scope-${kind}`}
            value={filter.scope}
            onChange={(scope) => void navigate(addressOf(kind, { q: filter.q, scope }))}
            data={scopesOf(kind).map((value) => ({ value, label: scopeLabels[value] }))}
          />
        </Stack>
      </Group>
      {list.error && <ErrorAlert error={list.error} />}
      {list.isPending ? (
        <Group role="status">
          <Loader size="sm" aria-label="Loading snapshots" />
          <Text>Loading snapshots…</Text>
        </Group>
      ) : snapshots.length === 0 && !filter.cursor ? (
        filtered ? (
          <Alert color="blue" title="No snapshots match" data-testid="no-matches">
            {filter.q.trim() ? `No snapshot ${scopeHint(filter.scope)}has “${filter.q.trim()}” in its name. ` : `No snapshot is ${scopeHint(filter.scope)}yet. `}
            Try another part of the name, or{' '}
            <Anchor component="button" type="button" onClick={clearFilters}>
              show every snapshot
            </Anchor>
            .
          </Alert>
        ) : (
          <Alert color="blue" title="No snapshots yet" data-testid="empty-catalogue">
            {kind === 'user'
              ? current.user.accessRole === 'SUPERADMIN'
                ? 'Capture the setup of a top-performing user (their automations, prompts and templates) to share and apply it. '
                : 'Nothing is shared with your organization yet. Capture the setup of one of your top-performing users (their automations, prompts and templates) to apply it to new users, or ask a platform admin to share one with you. '
              : 'Capture an organization (pipelines, custom fields, agents and one user’s items) to stand up new organizations from it. '}
            <Anchor component={Link} to={paths.create(kind)}>
              Create the first snapshot
            </Anchor>
            .
          </Alert>
        )
      ) : (
        <>
          <Table.ScrollContainer minWidth={720}>
            <Table
              striped
              highlightOnHover
              verticalSpacing="xs"
              aria-busy={list.isFetching}
              style={list.isPlaceholderData ? { opacity: 0.6 } : undefined}
            >
              <Table.Caption data-testid="catalogue-page">
                {/* While another search, scope or page loads, the rows are the previous answer's: say so rather than
                    title them with the new filter. */}
                {list.isPlaceholderData ? 'Loading… (showing the previous list)' : `Page ${String(filter.page)}${captionOf(filter)}`}
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
            <Group gap="xs">
              {filter.page > 1 && previous === undefined ? (
                // Opened on a later page from a link or a reload: the earlier cursors are not known.
                <Button variant="default" onClick={() => goToPage(null, 1, [])}>
                  First page
                </Button>
              ) : (
                <Button
                  variant="default"
                  disabled={filter.page <= 1}
                  onClick={() => goToPage(previous ?? null, filter.page - 1, trail.slice(0, -1))}
                >
                  Previous page
                </Button>
              )}
            </Group>
            <Button
              variant="default"
              disabled={!nextCursor}
              onClick={() => nextCursor && goToPage(nextCursor, filter.page + 1, [...trail, filter.cursor ?? null])}
            >
              Next page
            </Button>
          </Group>
        </>
      )}
    </Stack>
  )
}

const scopeHints: Record<CatalogueScope, string> = {
  all: '',
  global: 'shared with everyone ',
  assigned: 'assigned to your organization ',
  mine: 'created by you ',
}
const scopeHint = (scope: CatalogueScope) => scopeHints[scope]

/** What the rows of a filtered page are, for the table's caption: "of the snapshots created by you matching “needle”". */
function captionOf(filter: CatalogueFilter): string {
  const q = filter.q.trim()
  if (!q && filter.scope === 'all') return ''
  return ` of the snapshots ${scopeHint(filter.scope)}${q ? `matching “${q}”` : ''}`.trimEnd()
}
