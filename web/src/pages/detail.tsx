import { Anchor, Badge, Button, Group, Modal, Stack, Tabs, Text, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import { api, isOrgSnapshot, unwrap, type OrgSnapshotDetail, type UserSnapshotDetail } from '../api.ts'
import { Busy, Counts, ErrorAlert } from '../components.tsx'
import { paths, type SnapshotKind } from '../paths.ts'
import { permissions, useSession } from '../session.ts'
import { AuditTable } from './audit.tsx'
import { ExportButton } from './bundles.tsx'
import { ShareDialog } from './share.tsx'
import { CapturedItems, References, type ItemKindName } from './snapshot-items.tsx'

type Detail = UserSnapshotDetail | OrgSnapshotDetail

export function useSnapshot(kind: SnapshotKind, id: string) {
  return useQuery({
    queryKey: ['snapshot', kind, id],
    queryFn: (): Promise<Detail> =>
      kind === 'user'
        ? unwrap(api.GET('/api/user-snapshots/{id}', { params: { path: { id } } })).then((a) => a.snapshot)
        : unwrap(api.GET('/api/org-snapshots/{id}', { params: { path: { id } } })).then((a) => a.snapshot),
  })
}

export function SnapshotDetail({ kind }: { kind: SnapshotKind }) {
  const { id = '' } = useParams()
  const current = useSession()!
  const can = permissions(current.user)
  const snapshot = useSnapshot(kind, id)
  const [params, setParams] = useSearchParams()
  const tab = params.get('tab') ?? 'items'
  // The open section is part of the address, so a link or a reload opens it again.
  const show = (next: Record<string, string>) => setParams(next, { replace: true })
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
          <ExportButton kind={kind} id={id} name={s.name} />
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
          <Tabs.Tab value="audit">Audit</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="items" pt="sm">
          <CapturedItems
            kind={kind}
            id={id}
            counts={s.counts}
            itemKind={(params.get('items') as ItemKindName | null) ?? 'automation'}
            onItemKind={(items) => show({ tab: 'items', items })}
          />
        </Tabs.Panel>
        <Tabs.Panel value="references" pt="sm">
          <References refs={refs} />
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
