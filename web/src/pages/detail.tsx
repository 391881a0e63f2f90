import { Alert, Anchor, Badge, Button, Group, Modal, Stack, Tabs, Text, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import { api, isOrgSnapshot, unwrap, type OrgSnapshotDetail, type UserSnapshotDetail } from '../api.ts'
import { Busy, Counts, ErrorAlert } from '../components.tsx'
import { paths, type SnapshotKind } from '../paths.ts'
import { permissions, useSession } from '../session.ts'
import { ApplicationsPanel } from './applications.tsx'
import { AuditTable } from './audit.tsx'
import { ExportButton } from './bundles.tsx'
import { ShareDialog } from './share.tsx'
import { CapturedItems, References, type ItemKindName } from './snapshot-items.tsx'
import { VersionsPanel, useVersions } from './versions.tsx'

type Detail = UserSnapshotDetail | OrgSnapshotDetail

/** A snapshot, at its latest version or at `version` (GET …/{id}?version=). */
export function useSnapshot(kind: SnapshotKind, id: string, version?: number) {
  return useQuery({
    queryKey: ['snapshot', kind, id, version ?? 'latest'],
    queryFn: (): Promise<Detail> => {
      const params = { path: { id }, query: version ? { version } : {} }
      return kind === 'user'
        ? unwrap(api.GET('/api/user-snapshots/{id}', { params })).then((a) => a.snapshot)
        : unwrap(api.GET('/api/org-snapshots/{id}', { params })).then((a) => a.snapshot)
    },
  })
}

const positive = (value: string | null) => {
  const n = Number(value)
  return Number.isInteger(n) && n > 0 ? n : undefined
}

export function SnapshotDetail({ kind }: { kind: SnapshotKind }) {
  const { id = '' } = useParams()
  const current = useSession()!
  const can = permissions(current.user)
  const [params, setParams] = useSearchParams()
  // `?version=N` shows an earlier version's counts and items; without it, the latest.
  const viewed = positive(params.get('version'))
  const snapshot = useSnapshot(kind, id, viewed)
  const versions = useVersions(kind, id)
  const tab = params.get('tab') ?? 'items'
  // The open section is part of the address, so a link or a reload opens it again.
  const show = (next: Record<string, string>) => setParams({ ...(viewed ? { version: String(viewed) } : {}), ...next }, { replace: true })
  const [sharing, setSharing] = useState(false)
  const [deleting, setDeleting] = useState(false)
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const remove = useMutation({
    mutationFn: () =>
      kind === 'user'
        ? unwrap(api.DELETE('/api/user-snapshots/{id}', { params: { path: { id } } }))
        : unwrap(api.DELETE('/api/org-snapshots/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['snapshots', kind] })
      void navigate(paths.catalogue(kind))
    },
  })

  if (snapshot.isPending) return <Busy label="Loading the snapshot…" />
  if (snapshot.error) return <ErrorAlert error={snapshot.error} />
  const s = snapshot.data
  const manage = can.canManage(s)
  const refs = [...s.sourcePipelineStageRefs, ...s.sourceAgentRefs]
  const org = isOrgSnapshot(s) ? s : null
  const user = org ? null : (s as UserSnapshotDetail)
  const latest = versions.data?.[0]?.version ?? s.version
  const older = viewed !== undefined && viewed !== latest ? versions.data?.find((v) => v.version === viewed) : undefined

  return (
    <Stack>
      <Anchor component={Link} to={paths.catalogue(kind)} size="sm">
        ← {kind === 'user' ? 'User snapshots' : 'Org snapshots'}
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={1} size="h2">
            {s.name}
          </Title>
          {s.description && <Text c="dimmed">{s.description}</Text>}
          <Text size="sm" mt={4}>
            Captured from {s.sourceUserName ?? s.sourceUserEmail ?? 'an imported bundle'}
            {s.sourceOrgName ? ` (${s.sourceOrgName})` : ''}
            {s.createdAt ? ` on ${new Date(s.createdAt).toLocaleString()}` : ''}
            {s.createdByName ? ` by ${s.createdByName}` : ''}.
          </Text>
          {user && (
            <Group gap="xs" mt={4}>
              <Text size="sm">Shared with:</Text>
              {user.isGlobal && <Badge color="teal">Everyone</Badge>}
              <Text size="sm" data-testid="assigned-count">
                {user.assignedOrgIds.length} organization{user.assignedOrgIds.length === 1 ? '' : 's'}
              </Text>
            </Group>
          )}
        </div>
        <Group>
          <Button component={Link} to={paths.apply(kind, id)}>
            Apply…
          </Button>
          <ExportButton kind={kind} id={id} name={s.name} version={older?.version} />
          {kind === 'user' && manage && (
            <Button variant="default" onClick={() => setSharing(true)}>
              Share…
            </Button>
          )}
          {manage && (
            <Button variant="outline" color="red" onClick={() => setDeleting(true)}>
              Delete
            </Button>
          )}
        </Group>
      </Group>
      {older && (
        <Alert color="yellow" title={`Version ${older.version} of ${latest}`} data-testid="older-version">
          You are looking at version {older.version}, captured on {new Date(older.createdAt).toLocaleString()} by{' '}
          {older.createdByName}. Its counts and items are shown below; applying uses the latest version.{' '}
          <Anchor component={Link} to={paths.detail(kind, id)} underline="always">
            Show the latest version
          </Anchor>
          .
        </Alert>
      )}
      <Counts counts={s.counts} label="Item counts" />
      {org && (
        <Text size="sm">
          Credentials configured at the source:{' '}
          {org.credentialNames.length > 0 ? org.credentialNames.join(', ') : 'none'} (names only; values are never captured).
        </Text>
      )}

      <Tabs value={tab} onChange={(value) => value && show({ tab: value })} keepMounted={false}>
        <Tabs.List aria-label="Snapshot sections">
          <Tabs.Tab value="items">Items</Tabs.Tab>
          <Tabs.Tab value="references">References ({refs.length})</Tabs.Tab>
          <Tabs.Tab value="versions">Versions ({latest})</Tabs.Tab>
          <Tabs.Tab value="applications">Applications</Tabs.Tab>
          <Tabs.Tab value="audit">Audit</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="items" pt="sm">
          <CapturedItems
            kind={kind}
            id={id}
            version={older?.version}
            counts={s.counts}
            itemKind={(params.get('items') as ItemKindName | null) ?? 'automation'}
            onItemKind={(items) => show({ tab: 'items', items })}
          />
        </Tabs.Panel>
        <Tabs.Panel value="references" pt="sm">
          <References refs={refs} />
        </Tabs.Panel>
        <Tabs.Panel value="versions" pt="sm">
          <VersionsPanel
            kind={kind}
            id={id}
            canCapture={manage}
            view={{ from: positive(params.get('from')), to: positive(params.get('to')) }}
            onView={({ from, to }) => setParams({ tab: 'versions', ...(from ? { from: String(from) } : {}), ...(to ? { to: String(to) } : {}) }, { replace: true })}
            itemsOf={(version) => `${paths.detail(kind, id)}${version === latest ? '' : `?version=${version}`}`}
          />
        </Tabs.Panel>
        <Tabs.Panel value="applications" pt="sm">
          <ApplicationsPanel
            kind={kind}
            id={id}
            latest={latest}
            superadmin={current.user.accessRole === 'SUPERADMIN'}
            actions={
              latest > 1 && (
                <Button component={Link} to={paths.push(kind, id)} variant="default">
                  Push updates…
                </Button>
              )
            }
          />
        </Tabs.Panel>
        <Tabs.Panel value="audit" pt="sm">
          <AuditTable filter={{ snapshotId: id }} showSnapshot={false} />
        </Tabs.Panel>
      </Tabs>

      {user && (
        <ShareDialog opened={sharing} onClose={() => setSharing(false)} snapshot={user} />
      )}
      <Modal opened={deleting} onClose={() => setDeleting(false)} title="Delete this snapshot?">
        <Stack>
          <Text>
            “{s.name}” will no longer be listed or applicable. Users and organizations already created from it are not
            affected.
          </Text>
          {remove.error && <ErrorAlert error={remove.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(false)}>
              Cancel
            </Button>
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              Delete snapshot
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  )
}
