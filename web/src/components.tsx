import { Alert, Group, Loader, List, SimpleGrid, Paper, Text } from '@mantine/core'
import { ApiError } from './api.ts'

/** An API error as the user should read it: its title, its sentence, and any listed details. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const body = error instanceof ApiError ? error.body : { error: 'Something went wrong', message: String(error) }
  const details = Array.isArray(body.details) ? (body.details as unknown[]) : []
  return (
    <Alert color="red" title={title ?? body.error} role="alert">
      <Text size="sm">{body.message}</Text>
      {details.length > 0 && (
        <List size="sm" mt="xs">
          {details.slice(0, 20).map((detail, index) => (
            <List.Item key={index}>{describeDetail(detail)}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  )
}

function describeDetail(detail: unknown): string {
  if (detail === null || typeof detail !== 'object') return String(detail)
  const d = detail as Record<string, unknown>
  const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '')
  if (typeof d.automationName === 'string') {
    const message = text(d.message)
    return `${d.automationName}: ${text(d.field)} "${text(d.value) || text(d.agentName)}"${message ? ` (${message})` : ''}`
  }
  if (typeof d.path === 'string' && typeof d.message === 'string') return `${d.path} ${d.message}`
  return JSON.stringify(detail)
}

export function Busy({ label }: { label: string }) {
  return (
    <Group role="status" aria-live="polite">
      <Loader size="sm" />
      <Text>{label}</Text>
    </Group>
  )
}

const countLabels: Record<string, string> = { dynamicProperties: 'custom fields' }

export function Counts({ counts, label }: { counts: Record<string, unknown>; label: string }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 4, md: 7 }} spacing="xs" aria-label={label} component="dl">
      {Object.entries(counts).map(([kind, n]) => (
        <Paper key={kind} withBorder p="xs">
          <Text size="xs" c="dimmed" component="dt" tt="capitalize">
            {countLabels[kind] ?? kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}
          </Text>
          <Text fw={700} size="lg" component="dd" m={0} data-testid={`count-${kind}`}>
            {String(n)}
          </Text>
        </Paper>
      ))}
    </SimpleGrid>
  )
}
