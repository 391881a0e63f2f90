import { Alert, Badge, Button, Group, List, Paper, Stack, Table, Text, Title } from '@mantine/core'
import type { ReactNode } from 'react'
import type { ResponseAt } from '../api.ts'
import { Busy, Counts, ErrorAlert } from '../components.tsx'

type Plan = ResponseAt<'/api/user-snapshots/{id}/apply', 'post', 200>['plan']

const resolvedColor = { mapping: 'blue', name: 'teal', unresolved: 'red' } as const

/** What a dry run says the apply would do: counts, problems, warnings, references. */
export function PlanView({
  plan,
  counts,
  names = {},
}: {
  plan: Plan
  counts: Record<string, Record<string, unknown>>
  /** Agent ids (source and target) → names, so an agent reference reads as a name. */
  names?: Record<string, string>
}) {
  const show = (value: Plan['references'][number]['to']) =>
    value === null
      ? '—'
      : typeof value === 'object'
        ? `${value.newAgent} (new agent)`
        : names[value]
          ? `${names[value]} (agent)`
          : value
  const warnings = plan.warnings
  return (
    <Stack data-testid="plan">
      {plan.wouldSucceed ? (
        <Alert color="teal" title="Ready to apply" role="status">
          The dry run found no problem: applying now will succeed unless the data changes in between.
        </Alert>
      ) : (
        <Alert color="red" title="The apply would fail" role="alert" data-testid="plan-problems">
          <List size="sm">
            {plan.problems.map((problem, index) => (
              <List.Item key={index}>
                <Text size="sm" fw={600} span>
                  {problem.error}:
                </Text>{' '}
                {problem.message}
                {Array.isArray(problem.details) && (
                  <List size="sm" withPadding>
                    {(problem.details as Record<string, unknown>[]).slice(0, 20).map((detail, i) => (
                      <List.Item key={i}>
                        {typeof detail.automationName === 'string'
                          ? `${detail.automationName}: ${JSON.stringify(detail.field)} ${JSON.stringify(detail.value)}`
                          : JSON.stringify(detail)}
                      </List.Item>
                    ))}
                  </List>
                )}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {warnings.length > 0 && (
        <Alert color="yellow" title="Warnings">
          <List size="sm">
            {warnings.map((warning, index) => (
              <List.Item key={index}>{warning.message}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {Object.entries(counts).map(([label, values]) => (
        <div key={label}>
          <Title order={3} size="h5" mb={4}>
            {label}
          </Title>
          <Counts counts={values} label={label} />
        </div>
      ))}
      {plan.references.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Caption>How each reference will be resolved</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Automation</Table.Th>
                <Table.Th scope="col">Field</Table.Th>
                <Table.Th scope="col">From</Table.Th>
                <Table.Th scope="col">To</Table.Th>
                <Table.Th scope="col">Resolved by</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {plan.references.map((ref, index) => (
                <Table.Tr key={index}>
                  <Table.Td>{ref.automationName}</Table.Td>
                  <Table.Td>{ref.field}</Table.Td>
                  <Table.Td>{show(ref.from)}</Table.Td>
                  <Table.Td>{show(ref.to)}</Table.Td>
                  <Table.Td>
                    <Badge color={resolvedColor[ref.resolvedBy]} variant="light">
                      {ref.resolvedBy}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  )
}

interface Pending {
  isPending: boolean
  error: Error | null
}

/** The last step of both apply wizards: the dry run's answer, then the apply itself. */
export function PreviewStep({
  dryRun,
  apply,
  applying,
  applyLabel,
  wouldSucceed,
  onBack,
  onApply,
  children,
}: {
  dryRun: Pending
  apply: Pending
  applying: string
  applyLabel: string
  wouldSucceed: boolean
  onBack: () => void
  onApply: () => void
  children: ReactNode
}) {
  return (
    <Paper withBorder p="md" mt="md">
      <Stack>
        {dryRun.isPending && <Busy label="Checking what the apply would do (dry run)…" />}
        {dryRun.error && <ErrorAlert error={dryRun.error} title="The preview was refused" />}
        {children}
        {apply.isPending && <Busy label={applying} />}
        {apply.error && <ErrorAlert error={apply.error} title="The apply was refused; nothing was created" />}
        <Group justify="space-between">
          <Button variant="default" onClick={onBack} disabled={apply.isPending}>
            Back
          </Button>
          <Button onClick={onApply} loading={apply.isPending} disabled={!wouldSucceed}>
            {applyLabel}
          </Button>
        </Group>
      </Stack>
    </Paper>
  )
}
