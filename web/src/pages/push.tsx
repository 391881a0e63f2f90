import { Alert, Anchor, Badge, Button, Checkbox, Group, Paper, Radio, Select, Stack, Table, Text, Title } from '@mantine/core'
import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link, useParams, useSearchParams } from 'react-router'
import { ApiError, api, newIdempotencyKey, unwrap, type BodyOf, type ResponseAt } from '../api.ts'
import { Busy, ErrorAlert } from '../components.tsx'
import { paths, type SnapshotKind } from '../paths.ts'
import { applicationsQuery, whereText, type Application } from './applications.tsx'
import { useSnapshot } from './detail.tsx'
import { JobProgress } from './job-progress.tsx'
import { useVersions } from './versions.tsx'

type PushBody = BodyOf<'/api/user-snapshots/{id}/push', 'post'>
type TargetPlan = ResponseAt<'/api/user-snapshots/{id}/push', 'post', 200>['plan']['targets'][number]
type Started = ResponseAt<'/api/user-snapshots/{id}/push', 'post', 202>

/** Applications listed for choosing targets; beyond this the push's default (every one behind) is offered. */
const targetLimit = 200

const actionColors: Record<TargetPlan['changes'][number]['action'], string> = {
  create: 'green',
  update: 'blue',
  delete: 'red',
  keep: 'gray',
  conflict: 'orange',
}

function push(kind: SnapshotKind, id: string, body: PushBody, dryRun: boolean, key?: string) {
  const params = { path: { id }, query: { dryRun }, header: key ? { 'idempotency-key': key } : {} }
  return kind === 'user'
    ? api.POST('/api/user-snapshots/{id}/push', { params, body })
    : api.POST('/api/org-snapshots/{id}/push', { params, body })
}

/**
 * Push updates (SPEC §7.5): choose the version, the targets (applications standing on an
 * older one), the conflict policy and removeDeleted; preview each target from the dry run;
 * start the job and follow it (`?job=` keeps it in the address, so a reload resumes).
 */
export function PushUpdates({ kind }: { kind: SnapshotKind }) {
  const { id = '' } = useParams()
  const [params, setParams] = useSearchParams()
  const jobId = params.get('job')
  const snapshot = useSnapshot(kind, id)
  // The choices are made on what is current: the versions and applications are asked again on opening.
  const versions = useVersions(kind, id, true)
  const applications = useQuery({ ...applicationsQuery(kind, id, undefined, targetLimit), refetchOnMount: 'always' })

  const failure = snapshot.error ?? versions.error ?? applications.error
  if (failure) return <ErrorAlert error={failure} />
  if (!snapshot.data || !versions.data || !applications.data || !versions.isFetchedAfterMount || !applications.isFetchedAfterMount) {
    return <Busy label="Loading the snapshot and its applications…" />
  }
  const apps = applications.data.applications
  return (
    <Stack>
      <Anchor component={Link} to={`${paths.detail(kind, id)}?tab=applications`} size="sm">
        ← {snapshot.data.name}
      </Anchor>
      <Title order={1} size="h2">
        Push updates: {snapshot.data.name}
      </Title>
      {jobId ? (
        <JobProgress jobId={jobId} applications={apps} kind={kind} onPushAgain={() => setParams({}, { replace: true })} />
      ) : (
        <PushForm
          kind={kind}
          id={id}
          versions={versions.data.map((v) => v.version)}
          applications={apps}
          more={applications.data.nextCursor !== null}
          onStarted={(job) => setParams({ job }, { replace: true })}
        />
      )}
    </Stack>
  )
}

function PushForm({
  kind,
  id,
  versions,
  applications,
  more,
  onStarted,
}: {
  kind: SnapshotKind
  id: string
  versions: number[]
  applications: Application[]
  more: boolean
  onStarted: (jobId: string) => void
}) {
  const latest = versions[0] ?? 1
  const [version, setVersion] = useState(latest)
  const behind = applications.filter((a) => a.version < version)
  const [chosen, setChosen] = useState<string[]>(() => applications.filter((a) => a.version < latest).map((a) => a._id))
  const [conflictPolicy, setConflictPolicy] = useState<PushBody['conflictPolicy']>('keep-local')
  const [removeDeleted, setRemoveDeleted] = useState(false)
  const [targetsError, setTargetsError] = useState<string | undefined>()
  const [key] = useState(newIdempotencyKey)
  const selected = chosen.filter((c) => behind.some((a) => a._id === c))
  const body: PushBody = { version, applicationIds: selected, conflictPolicy, removeDeleted }

  const preview = useMutation({ mutationFn: () => unwrap(push(kind, id, body, true)).then((answer) => ('plan' in answer ? answer.plan : null)) })
  const start = useMutation({
    mutationFn: async (): Promise<Started> => {
      const answer: object = await unwrap(push(kind, id, body, false, key))
      if ('job' in answer) return answer as Started
      throw new ApiError(502, { error: 'Unexpected answer', message: 'The server did not answer with the push job.' })
    },
    onSuccess: (answer) => onStarted(answer.job._id),
  })
  // Any change of the choices makes the preview out of date: it is dropped, and must be asked again.
  const changed = <T,>(set: (value: T) => void) => (value: T) => {
    set(value)
    preview.reset()
    start.reset()
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (selected.length === 0) {
      setTargetsError('Choose at least one target to preview.')
      return
    }
    setTargetsError(undefined)
    preview.mutate()
  }

  if (applications.length === 0) {
    return (
      <Alert color="blue" title="Nothing to push to" data-testid="no-targets">
        This snapshot has not been applied{kind === 'user' ? ' into an organization you manage' : ''} yet, so there is no
        target to update.{' '}
        <Anchor component={Link} to={paths.apply(kind, id)} underline="always">
          Apply it
        </Anchor>{' '}
        first; later versions can then be pushed here.
      </Alert>
    )
  }
  const orgOf = (applicationId: string) => applications.find((a) => a._id === applicationId)
  const plan = preview.data
  const failing = plan?.targets.filter((t) => !t.wouldSucceed).length ?? 0

  return (
    <Stack>
      <Text size="sm" maw={760}>
        Each target gets the chosen version merged with its own edits: items changed only in the snapshot are updated, items
        changed only in the target keep the target’s edits, new items are created, and a field changed on both sides is a
        conflict settled by the policy below. Each target is updated in one transaction: all of the version, or nothing.
      </Text>
      <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Push options">
        <Stack>
          <Select
            label="Version to push"
            data={versions.map((v) => ({ value: String(v), label: `Version ${v}${v === latest ? ' (latest)' : ''}` }))}
            value={String(version)}
            onChange={(value) => value && changed(setVersion)(Number(value))}
            allowDeselect={false}
            w={240}
          />
          <Checkbox.Group
            label="Targets"
            description={`Applications standing on a version older than ${version}.${more ? ` The ${targetLimit} most recent applications are listed.` : ''}`}
            value={selected}
            onChange={changed(setChosen)}
            error={targetsError}
          >
            {behind.length === 0 ? (
              <Text size="sm" c="dimmed" mt="xs" data-testid="all-up-to-date">
                Every application is already on version {version} or later. Capture a new version on the snapshot’s Versions tab
                to have something to push.
              </Text>
            ) : (
              <Table mt="xs" verticalSpacing={4}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Update</Table.Th>
                    <Table.Th scope="col">Organization</Table.Th>
                    <Table.Th scope="col">{kind === 'user' ? 'User' : 'First user'}</Table.Th>
                    <Table.Th scope="col">On version</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {behind.map((a) => (
                    <Table.Tr key={a._id}>
                      <Table.Td>
                        <Checkbox value={a._id} aria-label={`Update ${a.targetOrganizationName}, ${whereText(kind, a)}`} />
                      </Table.Td>
                      <Table.Td>{a.targetOrganizationName}</Table.Td>
                      <Table.Td>{whereText(kind, a)}</Table.Td>
                      <Table.Td>{a.version}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Checkbox.Group>
          <Radio.Group
            label="When a field was changed both in the snapshot and in the target"
            value={conflictPolicy}
            onChange={(value) => changed(setConflictPolicy)(value)}
          >
            <Stack gap={6} mt="xs">
              <Radio value="keep-local" label="Keep the target’s value (keep-local)" />
              <Radio value="take-snapshot" label="Take the snapshot’s value (take-snapshot)" />
            </Stack>
          </Radio.Group>
          <Checkbox
            label="Delete items the snapshot no longer has (only where the target left them unchanged)"
            checked={removeDeleted}
            onChange={(event) => changed(setRemoveDeleted)(event.currentTarget.checked)}
          />
          {preview.error && <ErrorAlert error={preview.error} title="The preview failed" />}
          <Group>
            <Button type="submit" variant={plan ? 'default' : 'filled'} loading={preview.isPending} disabled={behind.length === 0}>
              Preview
            </Button>
          </Group>
        </Stack>
      </Paper>

      {plan && (
        <Stack data-testid="push-preview">
          <Title order={2} size="h4">
            Preview: what the push would do
          </Title>
          {plan.targets.map((target) => (
            <TargetPreview key={target.applicationId} target={target} application={orgOf(target.applicationId)} kind={kind} />
          ))}
          {failing > 0 && (
            <Alert color="yellow" title={`${failing} of ${plan.targets.length} targets would fail`}>
              Nothing is written to a target that fails. Starting the push updates the others; fix what is listed above, then
              retry the failed targets from the job.
            </Alert>
          )}
          {start.error && <ErrorAlert error={start.error} title="The push did not start" />}
          <Group>
            <Button onClick={() => start.mutate()} loading={start.isPending}>
              Start push to {plan.targets.length} target{plan.targets.length === 1 ? '' : 's'}
            </Button>
          </Group>
        </Stack>
      )}
    </Stack>
  )
}

function TargetPreview({ target, application, kind }: { target: TargetPlan; application: Application | undefined; kind: SnapshotKind }) {
  const title = application ? `${application.targetOrganizationName} · ${whereText(kind, application)}` : target.applicationId
  const count = (action: string) => target.changes.filter((c) => c.action === action).length
  return (
    <Paper withBorder p="sm" component="article" aria-label={`Preview for ${title}`}>
      <Group justify="space-between" mb="xs">
        <div>
          <Text fw={600}>{title}</Text>
          <Text size="sm" c="dimmed">
            Version {target.fromVersion} → {target.toVersion}: {count('create')} to create, {count('update')} to update,{' '}
            {count('delete')} to delete, {count('keep')} kept, {count('conflict')} conflicts
          </Text>
        </div>
        <Badge color={target.wouldSucceed ? 'teal' : 'red'} variant="light">
          {target.wouldSucceed ? 'Ready' : 'Would fail'}
        </Badge>
      </Group>
      {target.problems.map((problem, index) => (
        <ErrorAlert key={index} error={new ApiError(problem.status, problem)} />
      ))}
      {target.changes.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing in this target changes.
        </Text>
      ) : (
        <Table verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Action</Table.Th>
              <Table.Th scope="col">Kind</Table.Th>
              <Table.Th scope="col">Item</Table.Th>
              <Table.Th scope="col">Fields</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {target.changes.map((change, index) => (
              <Table.Tr key={index}>
                <Table.Td>
                  <Badge size="sm" variant="light" color={actionColors[change.action]}>
                    {change.action}
                  </Badge>
                </Table.Td>
                <Table.Td>{change.kind}</Table.Td>
                <Table.Td>
                  <Text size="sm">{change.name}</Text>
                  {change.reason && (
                    <Text size="xs" c="dimmed">
                      {change.reason}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {(change.fields ?? []).map((field) => (
                    <Text key={field.path} size="sm">
                      <Text span ff="monospace" size="sm">
                        {field.path}
                      </Text>{' '}
                      {fieldText(field)}
                    </Text>
                  ))}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  )
}

type PushField = NonNullable<TargetPlan['changes'][number]['fields']>[number]

function fieldText(field: PushField): string {
  if (field.side === 'conflict') return `changed on both sides: ${field.resolution === 'snapshot' ? 'the snapshot’s value is taken' : 'the target’s value is kept'}`
  return field.side === 'snapshot' ? 'from the snapshot' : 'the target’s own edit, kept'
}
