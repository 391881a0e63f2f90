import { Anchor, Button, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent, type ReactNode } from 'react'
import { Link, useSearchParams } from 'react-router'
import { api, unwrap, type ResponseOf } from '../api.ts'
import { Busy, ErrorAlert } from '../components.tsx'
import { paths } from '../paths.ts'
import { permissions, useSession } from '../session.ts'
import { PageButtons, RowsTable, useCursorPages } from './snapshot-items.tsx'
import { useOrganizations } from './share.tsx'

type AuditEvent = ResponseOf<'/api/audit-events', 'get'>['events'][number]
type Action = AuditEvent['action']

export const actionLabels: Record<Action, string> = {
  'snapshot.created': 'Created',
  'snapshot.version_created': 'New version',
  'snapshot.assigned': 'Sharing changed',
  'snapshot.deleted': 'Deleted',
  'snapshot.applied': 'Applied',
  'snapshot.pushed': 'Pushed',
  'snapshot.exported': 'Exported',
  'snapshot.imported': 'Imported',
}

const pageSize = 25
const objectId = /^[0-9a-fA-F]{24}$/

export interface AuditFilter {
  snapshotId?: string
  organizationId?: string
  action?: Action
}

const snapshotNameOf = (event: AuditEvent) => (typeof event.details.name === 'string' ? event.details.name : event.snapshotId)

function detailsText(event: AuditEvent): string {
  const d = event.details
  const parts: string[] = []
  for (const key of ['name', 'userEmail', 'orgName', 'organizationName', 'isGlobal', 'description']) {
    const value = d[key]
    if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') parts.push(`${key}: ${String(value)}`)
  }
  return parts.join(' · ') || '—'
}

/** Audit events (newest first) with the filters the API takes, a page at a time. */
export function AuditTable({ filter, showSnapshot }: { filter: AuditFilter; showSnapshot: boolean }) {
  const pages = useCursorPages()
  const current = useSession()!
  const organizations = useOrganizations(current.user.accessRole === 'SUPERADMIN')
  const orgName = (id: string | undefined) =>
    id === undefined ? '—' : (organizations.data?.find((org) => org._id === id)?.name ?? (id === current.user.organizationId ? 'your organization' : id))
  const events = useQuery({
    queryKey: ['audit-events', filter, pages.cursor ?? null],
    queryFn: () =>
      unwrap(api.GET('/api/audit-events', { params: { query: { ...filter, limit: pageSize, ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    placeholderData: keepPreviousData,
  })
  if (events.isPending) return <Busy label="Loading audit events…" />
  if (events.error) return <ErrorAlert error={events.error} />
  const rows = events.data.events
  if (rows.length === 0 && pages.page === 1) {
    return (
      <Text c="dimmed" data-testid="no-events">
        {filter.snapshotId || filter.organizationId || filter.action
          ? 'No event matches these filters. Remove a filter to see more.'
          : 'Nothing has happened yet: creating, sharing, applying, exporting or importing a snapshot is recorded here.'}
      </Text>
    )
  }
  return (
    <Stack gap="xs">
      <RowsTable
        rows={rows}
        busy={events.isFetching}
        // Rows kept from the previous filter or page while the next loads are labelled as such.
        caption={events.isPlaceholderData ? 'Audit events: loading…' : `Audit events, newest first, page ${pages.page}`}
        columns={[
          ['When', (e) => new Date(e.at).toLocaleString()],
          ['Action', (e) => actionLabels[e.action]],
          ...(showSnapshot
            ? ([
                [
                  'Snapshot',
                  (e: AuditEvent) =>
                    e.action === 'snapshot.deleted' ? (
                      <Text size="sm">{snapshotNameOf(e)}</Text>
                    ) : (
                      <Anchor component={Link} to={paths.detail(e.snapshotKind, e.snapshotId)} size="sm">
                        {snapshotNameOf(e)}
                      </Anchor>
                    ),
                ],
              ] as [string, (e: AuditEvent) => ReactNode][])
            : []),
          ['Version', (e) => (e.version === undefined ? '—' : String(e.version))],
          ['By', (e) => `${e.actorName} (${e.actorRole})`],
          ['Into organization', (e) => orgName(e.targetOrganizationId)],
          ['Details', (e) => detailsText(e)],
        ]}
      />
      <PageButtons
        label="Pages of audit events"
        page={pages.page}
        hasNext={!!events.data.nextCursor}
        onPrevious={pages.previous}
        onNext={() => events.data.nextCursor && pages.next(events.data.nextCursor)}
      />
    </Stack>
  )
}

/** /audit: the audit log with its filters in the address (`?action=&organizationId=&snapshotId=`). */
export function AuditLog() {
  const current = useSession()!
  const can = permissions(current.user)
  const [params, setParams] = useSearchParams()
  const filter: AuditFilter = {
    ...(params.get('action') ? { action: params.get('action') as Action } : {}),
    ...(params.get('organizationId') ? { organizationId: params.get('organizationId')! } : {}),
    ...(params.get('snapshotId') ? { snapshotId: params.get('snapshotId')! } : {}),
  }
  const organizations = useOrganizations(can.chooseTargetOrganization)
  const [snapshotId, setSnapshotId] = useState(filter.snapshotId ?? '')
  const [snapshotError, setSnapshotError] = useState<string | undefined>()
  const set = (patch: Partial<Record<keyof AuditFilter, string | null>>) => {
    const next = new URLSearchParams(params)
    for (const [key, value] of Object.entries(patch)) {
      if (value) next.set(key, value)
      else next.delete(key)
    }
    setParams(next)
  }
  const submitSnapshot = (event: FormEvent) => {
    event.preventDefault()
    const value = snapshotId.trim()
    if (value !== '' && !objectId.test(value)) {
      setSnapshotError('A snapshot id is 24 hexadecimal characters (from the snapshot’s address)')
      return
    }
    setSnapshotError(undefined)
    set({ snapshotId: value.toLowerCase() || null })
  }
  return (
    <Stack>
      <Title order={1} size="h2">
        Audit log
      </Title>
      <Text c="dimmed" size="sm">
        {can.chooseTargetOrganization
          ? 'Everything done to snapshots on the platform, newest first.'
          : 'What was done to snapshots by your organization or into it, newest first.'}
      </Text>
      <Group align="flex-start" component="form" onSubmit={submitSnapshot} aria-label="Filter audit events" role="search">
        <Select
          label="Action"
          placeholder="Any action"
          clearable
          data={Object.entries(actionLabels).map(([value, label]) => ({ value, label }))}
          value={filter.action ?? null}
          onChange={(value) => set({ action: value })}
          w={200}
        />
        {can.chooseTargetOrganization && (
          <Select
            label="Organization"
            placeholder="Any organization"
            searchable
            clearable
            data={(organizations.data ?? []).map((org) => ({ value: org._id, label: org.name }))}
            value={filter.organizationId ?? null}
            onChange={(value) => set({ organizationId: value })}
            nothingFoundMessage="No organization matches"
            w={260}
          />
        )}
        <TextInput
          label="Snapshot id"
          placeholder="Any snapshot"
          value={snapshotId}
          onChange={(event) => {
            setSnapshotId(event.currentTarget.value)
            setSnapshotError(undefined)
          }}
          error={snapshotError}
          w={260}
        />
        <Button type="submit" variant="default" mt={25}>
          Apply filter
        </Button>
      </Group>
      <AuditTable key={params.toString()} filter={filter} showSnapshot />
    </Stack>
  )
}
