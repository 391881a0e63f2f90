import { Button, Group, SegmentedControl, Stack, Table, Text } from '@mantine/core'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState, type ReactNode } from 'react'
import { api, unwrap, type OrgSnapshotDetail, type UserSnapshotDetail } from '../api.ts'
import { Busy, ErrorAlert } from '../components.tsx'
import type { SnapshotKind } from '../paths.ts'

/** The item kinds of GET …/{id}/items (the org ones only for org snapshots). */
export type ItemKindName = 'automation' | 'prompt' | 'template' | 'pipeline' | 'agent' | 'dynamicProperties'

type Automation = UserSnapshotDetail['automations'][number]
type Prompt = UserSnapshotDetail['prompts'][number]
type Template = UserSnapshotDetail['templates'][number]
type Pipeline = OrgSnapshotDetail['pipelines'][number]
type Agent = OrgSnapshotDetail['agents'][number]
type CustomField = OrgSnapshotDetail['dynamicProperties'][number]
type Column<T> = [string, (item: T) => ReactNode]

interface KindView<T> {
  label: string
  /** Key of the kind in the snapshot's counts. */
  countKey: string
  columns: Column<T>[]
}

const view = <T,>(v: KindView<T>) => v as KindView<unknown>

const kindViews: Record<ItemKindName, KindView<unknown>> = {
  automation: view<Automation>({
    label: 'Automations',
    countKey: 'automations',
    columns: [
      ['Name', (a) => a.name],
      ['Event', (a) => a.event],
      ['From stages', (a) => a.sourceStatuses.join(', ') || '—'],
      ['Moves to', (a) => (typeof a.actions.targetStage === 'string' ? a.actions.targetStage : '—')],
    ],
  }),
  prompt: view<Prompt>({
    label: 'Prompts',
    countKey: 'prompts',
    columns: [
      ['Name', (p) => p.name],
      ['Description', (p) => p.description ?? '—'],
      ['Hidden', (p) => (p.isHidden ? 'yes' : 'no')],
    ],
  }),
  template: view<Template>({
    label: 'Templates',
    countKey: 'templates',
    columns: [
      ['Name', (t) => t.name],
      ['Type', (t) => t.type],
      [
        'Text',
        (t) => (
          <Text size="sm" lineClamp={1}>
            {t.template}
          </Text>
        ),
      ],
    ],
  }),
  pipeline: view<Pipeline>({
    label: 'Pipelines',
    countKey: 'pipelines',
    columns: [
      ['Name', (p) => p.name],
      ['Type', (p) => p.type],
      ['Stages', (p) => p.stages.map((stage) => stage.name).join(' → ')],
    ],
  }),
  agent: view<Agent>({
    label: 'Agents',
    countKey: 'agents',
    columns: [
      ['Name', (a) => a.name],
      ['Description', (a) => a.description],
    ],
  }),
  dynamicProperties: view<CustomField>({
    label: 'Custom fields',
    countKey: 'dynamicProperties',
    columns: [
      ['Type', (d) => d.type],
      ['Sections', (d) => String(d.sections.length)],
    ],
  }),
}

export const itemKindsOf = (kind: SnapshotKind): ItemKindName[] =>
  kind === 'org' ? ['pipeline', 'agent', 'dynamicProperties', 'automation', 'prompt', 'template'] : ['automation', 'prompt', 'template']

const pageSize = 25

/** A table of rows, with its caption; the shared look of every list on the detail screen. */
export function RowsTable<T>({ rows, columns, caption, busy }: { rows: T[]; columns: Column<T>[]; caption: ReactNode; busy?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table striped verticalSpacing="xs" aria-busy={busy}>
        <Table.Caption>{caption}</Table.Caption>
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
          {rows.map((row, index) => (
            <Table.Tr key={index}>
              {columns.map(([title, render]) => (
                <Table.Td key={title}>{render(row)}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

/** Previous / next through cursor pages; the cursors of earlier pages are kept so going back costs nothing. */
export function useCursorPages() {
  const [trail, setTrail] = useState<(string | undefined)[]>([])
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  return {
    cursor,
    page: trail.length + 1,
    next: (nextCursor: string) => {
      setTrail([...trail, cursor])
      setCursor(nextCursor)
    },
    previous: () => {
      setCursor(trail[trail.length - 1])
      setTrail(trail.slice(0, -1))
    },
  }
}

export function PageButtons({ label, page, hasNext, onPrevious, onNext }: { label: string; page: number; hasNext: boolean; onPrevious: () => void; onNext: () => void }) {
  if (page === 1 && !hasNext) return null
  return (
    <Group justify="space-between" component="nav" aria-label={label}>
      <Button variant="default" size="xs" disabled={page <= 1} onClick={onPrevious}>
        Previous page
      </Button>
      <Button variant="default" size="xs" disabled={!hasNext} onClick={onNext}>
        Next page
      </Button>
    </Group>
  )
}

/** One kind of captured item, a page at a time from GET …/{id}/items (a snapshot may hold thousands). */
function PagedItems({ kind, id, version, itemKind, total }: { kind: SnapshotKind; id: string; version?: number; itemKind: ItemKindName; total: number }) {
  const pages = useCursorPages()
  const { label, columns } = kindViews[itemKind]
  const items = useQuery({
    queryKey: ['snapshot-items', kind, id, version ?? 'latest', itemKind, pages.cursor ?? null],
    queryFn: (): Promise<{ items: unknown[]; nextCursor: string | null }> => {
      const query = { limit: pageSize, ...(pages.cursor ? { cursor: pages.cursor } : {}), ...(version ? { version } : {}) }
      return kind === 'user'
        ? unwrap(api.GET('/api/user-snapshots/{id}/items', { params: { path: { id }, query: { ...query, kind: itemKind as 'automation' } } }))
        : unwrap(api.GET('/api/org-snapshots/{id}/items', { params: { path: { id }, query: { ...query, kind: itemKind } } }))
    },
    placeholderData: keepPreviousData,
    enabled: total > 0,
  })
  const noun = label.toLowerCase()
  if (total === 0) {
    return (
      <Text c="dimmed">
        This snapshot holds no {noun}: its source had none when it was captured. Pick another kind above.
      </Text>
    )
  }
  if (items.error) return <ErrorAlert error={items.error} />
  if (!items.data) return <Busy label={`Loading ${noun}…`} />
  const last = Math.max(1, Math.ceil(total / pageSize))
  return (
    <Stack gap="xs">
      <RowsTable
        rows={items.data.items}
        columns={columns}
        busy={items.isFetching}
        // While the next page loads the rows are the previous page's: the caption says so rather than number them anew.
        caption={
          items.isPlaceholderData
            ? `${label}: loading another page…`
            : `${label}: ${total} in all${last > 1 ? `, page ${pages.page} of ${last}` : ''}`
        }
      />
      <PageButtons
        label={`Pages of ${noun}`}
        page={pages.page}
        hasNext={!!items.data.nextCursor}
        onPrevious={pages.previous}
        onNext={() => items.data.nextCursor && pages.next(items.data.nextCursor)}
      />
    </Stack>
  )
}

/** The captured items: a kind picker (with each kind's count) over the page of that kind. */
export function CapturedItems({
  kind,
  id,
  version,
  counts,
  itemKind,
  onItemKind,
}: {
  kind: SnapshotKind
  id: string
  /** An earlier version to read (`?version=`); the latest when absent. */
  version?: number
  counts: Record<string, unknown>
  itemKind: ItemKindName
  onItemKind: (kind: ItemKindName) => void
}) {
  const kinds = itemKindsOf(kind)
  const shown = kinds.includes(itemKind) ? itemKind : 'automation'
  const countOf = (k: ItemKindName) => Number(counts[kindViews[k].countKey] ?? 0)
  return (
    <Stack gap="sm">
      <SegmentedControl
        aria-label="Item kind"
        value={shown}
        onChange={(value) => onItemKind(value)}
        data={kinds.map((k) => ({ value: k, label: `${kindViews[k].label} (${countOf(k)})` }))}
        style={{ alignSelf: 'flex-start' }}
      />
      <PagedItems key={`${shown}-${version ?? 'latest'}`} kind={kind} id={id} version={version} itemKind={shown} total={countOf(shown)} />
    </Stack>
  )
}

type Reference = UserSnapshotDetail['sourcePipelineStageRefs'][number] | UserSnapshotDetail['sourceAgentRefs'][number]

/** Every stage and agent reference of the captured automations (part of GET of the snapshot), a page at a time. */
export function References({ refs }: { refs: Reference[] }) {
  const [page, setPage] = useState(1)
  const last = Math.max(1, Math.ceil(refs.length / pageSize))
  return (
    <Stack gap="xs">
      <Text size="sm">
        Stage and agent references are resolved against the target organization when the snapshot is applied: by an
        explicit mapping, else by name.
      </Text>
      {refs.length === 0 ? (
        <Text c="dimmed">No captured automation refers to a stage or an agent, so applying this snapshot needs no mapping.</Text>
      ) : (
        <>
          <RowsTable
            rows={refs.slice((page - 1) * pageSize, page * pageSize)}
            caption={`References: ${refs.length} in all${last > 1 ? `, page ${page} of ${last}` : ''}`}
            columns={[
              ['Automation', (r) => r.automationName],
              ['Field', (r) => r.field],
              ['Refers to', (r) => (r.refType === 'agent' ? `agent "${r.agentName ?? r.value}"` : `stage "${r.value}"`)],
            ]}
          />
          <PageButtons
            label="Pages of references"
            page={page}
            hasNext={page < last}
            onPrevious={() => setPage(page - 1)}
            onNext={() => setPage(page + 1)}
          />
        </>
      )}
    </Stack>
  )
}
