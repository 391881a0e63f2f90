import { Alert, Badge, Button, Group, Progress, SimpleGrid, Paper, Stack, Table, Text, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { ApiError, api, unwrap, type ResponseOf } from '../api.ts'
import { Busy, ErrorAlert } from '../components.tsx'
import type { SnapshotKind } from '../paths.ts'
import { whereText, type Application } from './applications.tsx'

type Job = ResponseOf<'/api/jobs/{id}', 'get'>['job']

const statusText: Record<Job['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  partially_failed: 'Partly failed',
}
const statusColor: Record<Job['status'], string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'teal',
  failed: 'red',
  partially_failed: 'orange',
}
const targetColor = { pending: 'gray', succeeded: 'teal', failed: 'red' } as const

/** How often a running job is asked for its progress. */
const pollMs = 1000

/**
 * A push job as it runs (GET /api/jobs/{id}, asked again every second until it has
 * finished): progress, counts, each target's result, and "Retry failed targets".
 */
export function JobProgress({
  jobId,
  applications,
  kind,
  onPushAgain,
}: {
  jobId: string
  applications: Application[]
  kind: SnapshotKind
  onPushAgain: () => void
}) {
  const queryClient = useQueryClient()
  const job = useQuery({
    queryKey: ['job', jobId],
    queryFn: () => unwrap(api.GET('/api/jobs/{id}', { params: { path: { id: jobId } } })).then((answer) => answer.job),
    refetchInterval: (query) => (query.state.data?.finishedAt ? false : pollMs),
  })
  const retry = useMutation({
    mutationFn: () => unwrap(api.POST('/api/jobs/{id}/retry', { params: { path: { id: jobId } } })),
    onSuccess: (answer) => queryClient.setQueryData(['job', jobId], answer.job),
  })
  // Once the job has finished, the applications it updated stand on the new version.
  const finishedAt = job.data?.finishedAt
  useEffect(() => {
    if (finishedAt) void queryClient.invalidateQueries({ queryKey: ['snapshot-applications'] })
  }, [finishedAt, queryClient])
  if (job.isPending) return <Busy label="Loading the push job…" />
  if (job.error) return <ErrorAlert error={job.error} />
  const j = job.data
  const finished = j.finishedAt !== null
  const settled = j.done + j.failed
  const percent = j.total === 0 ? 100 : Math.round((settled / j.total) * 100)
  const app = (id: string) => applications.find((a) => a._id === id)
  const version = typeof j.params.version === 'number' ? j.params.version : undefined

  return (
    <Stack data-testid="push-job">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Push{version ? ` of version ${version}` : ''}
        </Title>
        <Badge size="lg" variant="light" color={statusColor[j.status]} data-testid="job-status">
          {statusText[j.status]}
        </Badge>
      </Group>
      <div role="status" aria-live="polite">
        <Text size="sm" mb={4}>
          {finished
            ? `Finished: ${j.done} of ${j.total} targets updated, ${j.failed} failed.`
            : `${settled} of ${j.total} targets done so far…`}
        </Text>
        <Progress value={percent} aria-label="Targets done" animated={!finished} color={j.failed > 0 ? 'orange' : 'blue'} />
      </div>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs" component="dl">
        {(
          [
            ['Targets', j.total],
            ['Updated', j.done],
            ['Failed', j.failed],
            ['Conflicts', j.conflicts],
          ] as const
        ).map(([label, n]) => (
          <Paper key={label} withBorder p="xs">
            <Text size="xs" c="dimmed" component="dt">
              {label}
            </Text>
            <Text fw={700} size="lg" component="dd" m={0}>
              {n}
            </Text>
          </Paper>
        ))}
      </SimpleGrid>
      <Table.ScrollContainer minWidth={640}>
        <Table verticalSpacing="xs" aria-busy={!finished}>
          <Table.Caption>Targets of this push</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Organization</Table.Th>
              <Table.Th scope="col">{kind === 'user' ? 'User' : 'First user'}</Table.Th>
              <Table.Th scope="col">Result</Table.Th>
              <Table.Th scope="col">Changes</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {j.targets.map((target) => {
              const a = app(target.applicationId)
              const c = target.changes
              return (
                <Table.Tr key={target.applicationId}>
                  <Table.Td>{a?.targetOrganizationName ?? target.organizationId}</Table.Td>
                  <Table.Td>{a ? whereText(kind, a) : '—'}</Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={targetColor[target.status]}>
                      {target.status}
                    </Badge>
                    {target.error && (
                      <Text size="sm" c="red.9" mt={4}>
                        {target.error.error}: {target.error.message}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {c
                      ? `${c.created} created, ${c.updated} updated, ${c.deleted} deleted, ${c.kept} kept, ${c.conflicts} conflicts`
                      : '—'}
                  </Table.Td>
                </Table.Tr>
              )
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {j.failed > 0 && finished && (
        <Alert color="orange" title="Some targets were not updated">
          Nothing was written to a failed target. Fix what its error says (for example, add the missing stage to the target’s
          pipeline), then retry: only the failed targets run again.
        </Alert>
      )}
      {retry.error && <ErrorAlert error={retry.error} title={retry.error instanceof ApiError && retry.error.status === 409 ? 'Nothing to retry' : 'The retry did not start'} />}
      <Group>
        {j.failed > 0 && (
          <Button onClick={() => retry.mutate()} loading={retry.isPending} disabled={!finished}>
            Retry failed targets
          </Button>
        )}
        {finished && (
          <Button variant="default" onClick={onPushAgain}>
            Push again
          </Button>
        )}
      </Group>
    </Stack>
  )
}
