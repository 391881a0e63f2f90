import { Anchor, Badge, Button, Group, Modal, Paper, Select, Stack, Table, Text, Textarea, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { ApiError, api, newIdempotencyKey, unwrap, type ResponseOf } from '../api.ts'
import { Busy, ErrorAlert } from '../components.tsx'
import type { SnapshotKind } from '../paths.ts'
import { maxLength, validate } from '../validation.ts'
import { RowsTable } from './snapshot-items.tsx'

export type SnapshotVersion =
  | ResponseOf<'/api/user-snapshots/{id}/versions', 'get'>['versions'][number]
  | ResponseOf<'/api/org-snapshots/{id}/versions', 'get'>['versions'][number]
type Diff = ResponseOf<'/api/user-snapshots/{id}/diff', 'get'> | ResponseOf<'/api/org-snapshots/{id}/diff', 'get'>
type Change = Diff['changes'][number]

/** Every version of a snapshot, newest first (GET …/{id}/versions). */
export function useVersions(kind: SnapshotKind, id: string, fresh = false) {
  return useQuery({
    // A screen that acts on the latest version (push) asks again rather than trust a cached list.
    ...(fresh ? { refetchOnMount: 'always' as const } : {}),
    queryKey: ['snapshot-versions', kind, id],
    queryFn: (): Promise<SnapshotVersion[]> =>
      (kind === 'user'
        ? unwrap(api.GET('/api/user-snapshots/{id}/versions', { params: { path: { id } } }))
        : unwrap(api.GET('/api/org-snapshots/{id}/versions', { params: { path: { id } } }))
      ).then((answer) => answer.versions),
  })
}

export const countsText = (counts: Record<string, unknown>) =>
  Object.entries(counts)
    .map(([kind, n]) => `${String(n)} ${kind}`)
    .join(', ')

/** Where the detail screen is: the versions section, and the two versions compared. */
export interface VersionsView {
  from?: number
  to?: number
}

/**
 * The versions section: the history (who captured which version when, and what it holds),
 * "Capture a new version" for those who may, and a side-by-side diff of two chosen versions.
 */
export function VersionsPanel({
  kind,
  id,
  canCapture,
  view,
  onView,
  itemsOf,
}: {
  kind: SnapshotKind
  id: string
  canCapture: boolean
  view: VersionsView
  onView: (view: VersionsView) => void
  /** The address of a version's items. */
  itemsOf: (version: number) => string
}) {
  const versions = useVersions(kind, id)
  const [capturing, setCapturing] = useState(false)
  if (versions.isPending) return <Busy label="Loading versions…" />
  if (versions.error) return <ErrorAlert error={versions.error} />
  const list = versions.data
  const latest = list[0]?.version ?? 1
  const numbers = list.map((v) => v.version)
  // Always an older version against a newer one: `to` is never the first version, `from` always below `to`.
  const oldest = numbers[numbers.length - 1] ?? 1
  const to = view.to !== undefined && numbers.includes(view.to) && view.to > oldest ? view.to : latest
  const older = numbers.filter((n) => n < to)
  const from = view.from !== undefined && older.includes(view.from) ? view.from : (older[0] ?? to)
  const options = list.map((v) => ({ value: String(v.version), label: `Version ${v.version}${v.version === latest ? ' (latest)' : ''}` }))

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Text size="sm" maw={640}>
          Each version is a frozen capture of the same source. Applying, exporting and pushing use the latest version
          unless another is chosen; earlier versions never change.
        </Text>
        {canCapture && <Button onClick={() => setCapturing(true)}>Capture a new version…</Button>}
      </Group>
      <RowsTable
        rows={list}
        caption={`Versions: ${list.length}, newest first`}
        columns={[
          [
            'Version',
            (v) => (
              <Group gap={6}>
                <Text size="sm" fw={600}>
                  {v.version}
                </Text>
                {v.version === latest && (
                  <Badge size="sm" variant="light" color="teal">
                    latest
                  </Badge>
                )}
              </Group>
            ),
          ],
          ['Captured', (v) => new Date(v.createdAt).toLocaleString()],
          ['By', (v) => v.createdByName],
          ['Description', (v) => v.description ?? '—'],
          ['Items', (v) => countsText(v.counts)],
          [
            'View',
            (v) => (
              <Anchor component={Link} to={itemsOf(v.version)} size="sm" aria-label={`Items of version ${v.version}`}>
                Items
              </Anchor>
            ),
          ],
        ]}
      />

      <Title order={2} size="h4">
        Compare versions
      </Title>
      {list.length < 2 ? (
        <Text c="dimmed" data-testid="single-version">
          This snapshot has one version, so there is nothing to compare yet.{' '}
          {canCapture
            ? 'Capture a new version once its source has changed, then compare the two here.'
            : 'Its creator (or a platform superadmin) can capture a new version once its source has changed.'}
        </Text>
      ) : (
        <>
          <Group align="flex-end">
            <Select
              label="From version"
              data={options.filter((o) => Number(o.value) < to)}
              value={String(from)}
              onChange={(value) => value && onView({ from: Number(value), to })}
              allowDeselect={false}
              w={200}
            />
            <Select
              label="To version"
              data={options.filter((o) => Number(o.value) > oldest)}
              value={String(to)}
              onChange={(value) => {
                if (!value) return
                const next = Number(value)
                onView({ from: from < next ? from : (numbers.find((n) => n < next) ?? from), to: next })
              }}
              allowDeselect={false}
              w={200}
            />
          </Group>
          <DiffView kind={kind} id={id} from={from} to={to} />
        </>
      )}
      <CaptureVersionDialog
        kind={kind}
        id={id}
        opened={capturing}
        onClose={() => setCapturing(false)}
        onCompare={(previous, captured) => {
          setCapturing(false)
          onView({ from: previous, to: captured })
        }}
      />
    </Stack>
  )
}

const changeColors: Record<Change['change'], string> = { added: 'green', removed: 'red', changed: 'blue' }
const kindLabels: Record<string, string> = {
  automation: 'Automations',
  prompt: 'Prompts',
  template: 'Templates',
  pipeline: 'Pipelines',
  stage: 'Stages',
  agent: 'Agents',
  dynamicProperties: 'Custom fields',
  credentialName: 'Credential names',
}
const shownPerKind = 50

/** A field value as a reader wants it: text as it is, anything else as indented JSON. */
function FieldValue({ value, present }: { value: unknown; present: boolean }) {
  if (!present) {
    return (
      <Text size="sm" fs="italic" c="dimmed">
        (not set)
      </Text>
    )
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2)
  return (
    <Text size="sm" ff="monospace" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
      {text}
    </Text>
  )
}

/** What changed between two versions (GET …/{id}/diff), per kind, with each changed field side by side. */
export function DiffView({ kind, id, from, to }: { kind: SnapshotKind; id: string; from: number; to: number }) {
  const diff = useQuery({
    queryKey: ['snapshot-diff', kind, id, from, to],
    queryFn: (): Promise<Diff> =>
      kind === 'user'
        ? unwrap(api.GET('/api/user-snapshots/{id}/diff', { params: { path: { id }, query: { from, to } } }))
        : unwrap(api.GET('/api/org-snapshots/{id}/diff', { params: { path: { id }, query: { from, to } } })),
    staleTime: Infinity, // versions never change
  })
  const [expanded, setExpanded] = useState<Record<string, boolean>>({})
  if (diff.isPending) return <Busy label={`Comparing version ${from} with version ${to}…`} />
  if (diff.error) return <ErrorAlert error={diff.error} />
  const { summary, changes } = diff.data
  const byKind = new Map<string, Change[]>()
  for (const change of changes) byKind.set(change.kind, [...(byKind.get(change.kind) ?? []), change])

  return (
    <Stack gap="sm" data-testid="diff">
      <Text fw={500} role="status">
        Version {from} → version {to}: {summary.added} added, {summary.removed} removed, {summary.changed} changed.
      </Text>
      {changes.length === 0 && <Text c="dimmed">No item differs between these two versions.</Text>}
      {[...byKind].map(([itemKind, list]) => {
        const shown = expanded[itemKind] ? list : list.slice(0, shownPerKind)
        return (
          <Stack key={itemKind} gap="xs" component="section" aria-label={`${kindLabels[itemKind] ?? itemKind} changes`}>
            <Title order={3} size="h5">
              {kindLabels[itemKind] ?? itemKind} ({list.length})
            </Title>
            {shown.map((change, index) => (
              <ChangeCard key={`${change.name}-${index}`} change={change} from={from} to={to} />
            ))}
            {shown.length < list.length && (
              <Button variant="default" size="xs" style={{ alignSelf: 'flex-start' }} onClick={() => setExpanded({ ...expanded, [itemKind]: true })}>
                Show all {list.length} {(kindLabels[itemKind] ?? itemKind).toLowerCase()} changes
              </Button>
            )}
          </Stack>
        )
      })}
    </Stack>
  )
}

function ChangeCard({ change, from, to }: { change: Change; from: number; to: number }) {
  return (
    <Paper withBorder p="sm" component="article" aria-label={`${change.name}: ${change.change}`}>
      <Group gap="xs" mb={change.fields?.length ? 'xs' : 0}>
        <Badge color={changeColors[change.change]} variant="light">
          {change.change}
        </Badge>
        <Text fw={600}>{change.name}</Text>
        {change.previousName !== undefined && change.previousName !== change.name && (
          <Text size="sm" c="dimmed">
            renamed from “{change.previousName}”
          </Text>
        )}
        {change.change === 'added' && (
          <Text size="sm" c="dimmed">
            new in version {to}
          </Text>
        )}
        {change.change === 'removed' && (
          <Text size="sm" c="dimmed">
            in version {from}, not in version {to}
          </Text>
        )}
      </Group>
      {change.fields && change.fields.length > 0 && (
        <Table withColumnBorders verticalSpacing={4} layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col" w="22%">
                Field
              </Table.Th>
              <Table.Th scope="col">Version {from}</Table.Th>
              <Table.Th scope="col">Version {to}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {change.fields.map((field) => (
              <Table.Tr key={field.path}>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {field.path}
                  </Text>
                </Table.Td>
                <Table.Td bg="var(--mantine-color-red-0)">
                  <FieldValue value={field.from} present={'from' in field} />
                </Table.Td>
                <Table.Td bg="var(--mantine-color-green-0)">
                  <FieldValue value={field.to} present={'to' in field} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  )
}

/** POST …/{id}/versions: re-captures the source as the next version, with an optional description. */
function CaptureVersionDialog({
  kind,
  id,
  opened,
  onClose,
  onCompare,
}: {
  kind: SnapshotKind
  id: string
  opened: boolean
  onClose: () => void
  onCompare: (previous: number, captured: number) => void
}) {
  const queryClient = useQueryClient()
  const [description, setDescription] = useState('')
  const [error, setError] = useState<string | undefined>()
  // One key per dialog: pressing the button again after a lost answer replays instead of capturing twice.
  const [key, setKey] = useState(newIdempotencyKey)
  const capture = useMutation({
    mutationFn: (): Promise<{ changes: { added: number; removed: number; changed: number }; snapshot: { version: number } }> => {
      const params = { path: { id }, header: { 'idempotency-key': key } }
      const body = description.trim() ? { description: description.trim() } : {}
      return kind === 'user'
        ? unwrap(api.POST('/api/user-snapshots/{id}/versions', { params, body }))
        : unwrap(api.POST('/api/org-snapshots/{id}/versions', { params, body }))
    },
    onSuccess: async () => {
      for (const queryKey of [['snapshot', kind, id], ['snapshot-versions', kind, id], ['snapshot-items', kind, id], ['snapshots', kind], ['audit-events']]) {
        await queryClient.invalidateQueries({ queryKey })
      }
    },
    onError: (failure) => {
      if (failure instanceof ApiError) setError(failure.fieldErrors['/description'])
    },
  })
  const close = () => {
    capture.reset()
    setDescription('')
    setError(undefined)
    setKey(newIdempotencyKey())
    onClose()
  }
  const check = () => validate({ description }, { description: [maxLength(500)] }).description
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const found = check()
    setError(found)
    if (!found) capture.mutate()
  }
  const done = capture.data
  const captured = done?.snapshot.version

  return (
    <Modal opened={opened} onClose={close} title="Capture a new version" size="lg">
      {done && captured !== undefined ? (
        <Stack data-testid="version-created">
          <Text>
            Version {captured} captured: {done.changes.added} added, {done.changes.removed} removed,{' '}
            {done.changes.changed} changed since version {captured - 1}.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Close
            </Button>
            {captured > 1 && (
              <Button
                onClick={() => {
                  close()
                  onCompare(captured - 1, captured)
                }}
              >
                Compare with version {captured - 1}
              </Button>
            )}
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <Text size="sm">
              Captures the source user’s current automations, prompts and templates
              {kind === 'org' ? ' (and the organization’s pipelines, custom fields, agents and credential names)' : ''} again,
              as the next version. Earlier versions stay as they are.
            </Text>
            <Textarea
              label="What changed (optional)"
              description="Up to 500 characters, shown in the version history."
              autosize
              minRows={2}
              value={description}
              error={error}
              onChange={(event) => {
                setDescription(event.currentTarget.value)
                setError(undefined)
              }}
              onBlur={() => setError(check())}
            />
            {capture.error && !(capture.error instanceof ApiError && capture.error.fieldErrors['/description']) && (
              <ErrorAlert error={capture.error} title="The version was not captured" />
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={capture.isPending}>
                Capture version
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  )
}
