import { Anchor, Badge, Button, Group, Modal, Pagination, Stack, Table, Tabs, Text, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type ReactNode } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { api, isOrgSnapshot, unwrap, type OrgSnapshotDetail, type UserSnapshotDetail } from '../api.ts'
import { Busy, Counts, ErrorAlert } from '../components.tsx'
import { paths, type SnapshotKind } from '../paths.ts'
import { permissions, useSession } from '../session.ts'
import { ShareDialog } from './share.tsx'

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

const pageSize = 25

/** One kind of captured item, a page at a time. */
function ItemTable<T>({ items, columns, label }: { items: T[]; columns: [string, (item: T) => ReactNode][]; label: string }) {
  const [page, setPage] = useState(1)
  if (items.length === 0) return <Text c="dimmed">This snapshot holds no {label}.</Text>
  const pages = Math.ceil(items.length / pageSize)
  const shown = items.slice((page - 1) * pageSize, page * pageSize)
  return (
    <Stack gap="xs">
      <Table.ScrollContainer minWidth={600}>
        <Table striped verticalSpacing="xs">
          <Table.Caption>
            {label}: {items.length} in all{pages > 1 ? `, page ${page} of ${pages}` : ''}
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              {columns.map(([title]) => (
                <Table.Th key={title} scope="col">
                  {title}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((item, index) => (
              <Table.Tr key={index}>
                {columns.map(([title, render]) => (
                  <Table.Td key={title}>{render(item)}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages > 1 && (
        <Pagination total={pages} value={page} onChange={setPage} getControlProps={(control) => ({ 'aria-label': `${control} page` })} getItemProps={(n) => ({ 'aria-label': `Page ${n}` })} />
      )}
    </Stack>
  )
}

export function SnapshotDetail({ kind }: { kind: SnapshotKind }) {
  const { id = '' } = useParams()
  const current = useSession()!
  const can = permissions(current.user)
  const snapshot = useSnapshot(kind, id)
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

      <Tabs defaultValue="automations" keepMounted={false}>
        <Tabs.List aria-label="Captured items">
          {org && <Tabs.Tab value="pipelines">Pipelines</Tabs.Tab>}
          {org && <Tabs.Tab value="agents">Agents</Tabs.Tab>}
          {org && <Tabs.Tab value="dynamicProperties">Custom fields</Tabs.Tab>}
          <Tabs.Tab value="automations">Automations</Tabs.Tab>
          <Tabs.Tab value="prompts">Prompts</Tabs.Tab>
          <Tabs.Tab value="templates">Templates</Tabs.Tab>
          <Tabs.Tab value="references">References ({refs.length})</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="automations" pt="sm">
          <ItemTable
            label="automations"
            items={s.automations}
            columns={[
              ['Name', (a) => a.name],
              ['Event', (a) => a.event],
              ['From stages', (a) => a.sourceStatuses.join(', ') || '—'],
              ['Moves to', (a) => (typeof a.actions.targetStage === 'string' ? a.actions.targetStage : '—')],
            ]}
          />
        </Tabs.Panel>
        <Tabs.Panel value="prompts" pt="sm">
          <ItemTable
            label="prompts"
            items={s.prompts}
            columns={[
              ['Name', (p) => p.name],
              ['Description', (p) => p.description ?? '—'],
              ['Hidden', (p) => (p.isHidden ? 'yes' : 'no')],
            ]}
          />
        </Tabs.Panel>
        <Tabs.Panel value="templates" pt="sm">
          <ItemTable
            label="templates"
            items={s.templates}
            columns={[
              ['Name', (t) => t.name],
              ['Type', (t) => t.type],
              ['Text', (t) => <Text size="sm" lineClamp={1}>{t.template}</Text>],
            ]}
          />
        </Tabs.Panel>
        {org && (
          <Tabs.Panel value="pipelines" pt="sm">
            <ItemTable
              label="pipelines"
              items={org.pipelines}
              columns={[
                ['Name', (p) => p.name],
                ['Type', (p) => p.type],
                ['Stages', (p) => p.stages.map((stage) => stage.name).join(' → ')],
              ]}
            />
          </Tabs.Panel>
        )}
        {org && (
          <Tabs.Panel value="agents" pt="sm">
            <ItemTable label="agents" items={org.agents} columns={[['Name', (a) => a.name], ['Description', (a) => a.description]]} />
          </Tabs.Panel>
        )}
        {org && (
          <Tabs.Panel value="dynamicProperties" pt="sm">
            <ItemTable
              label="custom field types"
              items={org.dynamicProperties}
              columns={[['Type', (d) => d.type], ['Sections', (d) => String(d.sections.length)]]}
            />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="references" pt="sm">
          <Text size="sm" mb="xs">
            Stage and agent references are resolved against the target organization when the snapshot is applied: by an
            explicit mapping, else by name.
          </Text>
          <ItemTable
            label="references"
            items={refs}
            columns={[
              ['Automation', (r) => r.automationName],
              ['Field', (r) => r.field],
              ['Refers to', (r) => (r.refType === 'agent' ? `agent "${r.agentName ?? r.value}"` : `stage "${r.value}"`)],
            ]}
          />
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
