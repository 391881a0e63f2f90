import { Alert, Anchor, Button, Code, Group, List, Paper, PasswordInput, SimpleGrid, Stack, Stepper, Switch, Text, TextInput, Title } from '@mantine/core'
import { useMutation } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useParams } from 'react-router'
import { ApiError, api, unwrap, type ApplyOrgBody, type Credentials, type ResponseAt, isOrgSnapshot } from '../api.ts'
import { Busy, Counts, ErrorAlert } from '../components.tsx'
import { useDraft } from '../drafts.ts'
import { paths } from '../paths.ts'
import { fieldsUnder, maxLength, phone, required, validate } from '../validation.ts'
import { useSnapshot } from './detail.tsx'
import { NewUserFields, emptyNewUser, newUserBody, validateNewUser, type NewUserValues } from './new-user-fields.tsx'
import { PlanView, PreviewStep } from './plan.tsx'

type DryRun = ResponseAt<'/api/org-snapshots/{id}/apply', 'post', 200>
type Applied = ResponseAt<'/api/org-snapshots/{id}/apply', 'post', 201>

/** Every credential the API accepts; a new one in the API fails the typecheck here until it has a label. */
const credentialLabels: Record<keyof Credentials, string> = {
  anthropicApiKey: 'Anthropic API key',
  sinchServicePlanId: 'Sinch service plan id',
  sinchApiToken: 'Sinch API token',
  sinchMmsApiKey: 'Sinch MMS API key',
  sinchMmsServiceId: 'Sinch MMS service id',
  twilioAccountSid: 'Twilio account SID',
  twilioAuthToken: 'Twilio auth token',
}
const credentialNames = Object.keys(credentialLabels) as (keyof Credentials)[]

type OrgField = 'orgName' | 'orgPhone' | 'orgAddress'

/** Organization → first user (optional) → credentials → preview (dry run) → apply → result. */
export function ApplyOrgWizard() {
  const { id = '' } = useParams()
  const snapshot = useSnapshot('org', id)
  const [form, update, clearDraft] = useDraft(`apply-org-${id}`, {
    step: 0,
    orgName: '',
    orgPhone: '',
    orgAddress: '',
    withFirstUser: true,
    firstUser: emptyNewUser,
  })
  // Secrets stay in memory only: never in a draft.
  const [credentials, setCredentials] = useState<Partial<Record<keyof Credentials, string>>>({})
  const [orgErrors, setOrgErrors] = useState<Partial<Record<OrgField, string>>>({})
  const [userErrors, setUserErrors] = useState<Partial<Record<keyof NewUserValues, string>>>({})
  const [credentialErrors, setCredentialErrors] = useState<Record<string, string>>({})
  const [preview, setPreview] = useState<DryRun | null>(null)
  const [result, setResult] = useState<Applied | null>(null)
  const go = (step: number) => update({ step })

  const body = (): ApplyOrgBody => {
    const creds = Object.fromEntries(Object.entries(credentials).filter(([, value]) => value && value.trim() !== ''))
    return {
      orgName: form.orgName.trim(),
      orgPhone: form.orgPhone,
      orgAddress: form.orgAddress.trim(),
      ...(form.withFirstUser ? { firstUser: newUserBody(form.firstUser, false) } : {}),
      ...(Object.keys(creds).length ? { credentials: creds } : {}),
    }
  }
  const showFieldErrors = (error: Error) => {
    if (!(error instanceof ApiError)) return
    const all = error.fieldErrors
    const org = Object.fromEntries(Object.entries(all).filter(([path]) => /^\/org(Name|Phone|Address)$/.test(path)).map(([p, m]) => [p.slice(1), m]))
    const user = fieldsUnder(all, '/firstUser')
    const creds = fieldsUnder(all, '/credentials')
    setOrgErrors(org)
    setUserErrors(user)
    setCredentialErrors(creds)
    if (Object.keys(org).length) go(0)
    else if (Object.keys(user).length) go(1)
    else if (Object.keys(creds).length) go(2)
  }
  const dryRun = useMutation({
    mutationFn: () => unwrap(api.POST('/api/org-snapshots/{id}/apply', { params: { path: { id }, query: { dryRun: true } }, body: body() })),
    onSuccess: (answer) => setPreview(answer as DryRun),
    onError: showFieldErrors,
  })
  const apply = useMutation({
    mutationFn: () => unwrap(api.POST('/api/org-snapshots/{id}/apply', { params: { path: { id } }, body: body() })),
    onSuccess: (answer) => {
      setResult(answer as Applied)
      setCredentials({})
      clearDraft()
      update({ step: 4 })
    },
    onError: showFieldErrors,
  })

  const fromOrg = () => {
    const found = validate(form, { orgName: [required, maxLength(200)], orgPhone: [required, phone], orgAddress: [required, maxLength(500)] })
    setOrgErrors(found)
    if (Object.keys(found).length === 0) go(1)
  }
  const fromUser = () => {
    const found = form.withFirstUser ? validateNewUser(form.firstUser) : {}
    setUserErrors(found)
    if (Object.keys(found).length === 0) go(2)
  }
  const toPreview = () => {
    setPreview(null)
    go(3)
    dryRun.mutate()
  }

  if (snapshot.isPending) return <Busy label="Loading the snapshot…" />
  if (snapshot.error) return <ErrorAlert error={snapshot.error} />
  const sourceCredentials: string[] = isOrgSnapshot(snapshot.data) ? snapshot.data.credentialNames : []
  const orgText = (field: OrgField) => ({
    value: form[field],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => {
      update({ [field]: e.currentTarget.value })
      if (orgErrors[field]) setOrgErrors({ ...orgErrors, [field]: undefined })
    },
    onBlur: () => {
      const rules = { orgName: [required, maxLength(200)], orgPhone: [required, phone], orgAddress: [required, maxLength(500)] }[field]
      const message = validate(form, { [field]: rules })[field]
      if (message) setOrgErrors({ ...orgErrors, [field]: message })
    },
    error: orgErrors[field],
  })

  return (
    <Stack>
      <Anchor component={Link} to={paths.detail('org', id)} size="sm">
        ← {snapshot.data.name}
      </Anchor>
      <Title order={1} size="h2">
        Stand up an organization from “{snapshot.data.name}”
      </Title>
      <Text c="dimmed">Creates the organization, its pipelines, custom fields and agents, and optionally its first admin, all or nothing.</Text>
      <Stepper active={form.step} onStepClick={(n) => n < form.step && !result && go(n)} allowNextStepsSelect={false} size="sm">
        <Stepper.Step label="Organization">
          <Paper withBorder p="md" mt="md" component="form" noValidate onSubmit={(e) => (e.preventDefault(), fromOrg())}>
            <Stack>
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput label="Name" required description="Unique on the platform" {...orgText('orgName')} />
                <TextInput label="Phone" required description="+1 or +91 and 10 digits" {...orgText('orgPhone')} />
              </SimpleGrid>
              <TextInput label="Address" required {...orgText('orgAddress')} />
              <Group justify="flex-end">
                <Button type="submit">Next: first user</Button>
              </Group>
            </Stack>
          </Paper>
        </Stepper.Step>
        <Stepper.Step label="First user" description="Optional">
          <Paper withBorder p="md" mt="md" component="form" noValidate onSubmit={(e) => (e.preventDefault(), fromUser())}>
            <Stack>
              <Switch
                label="Create a first admin with copies of the snapshot’s automations, prompts and templates"
                checked={form.withFirstUser}
                onChange={(e) => update({ withFirstUser: e.currentTarget.checked })}
              />
              {form.withFirstUser ? (
                <NewUserFields
                  values={form.firstUser}
                  errors={userErrors}
                  onChange={(patch) => update({ firstUser: { ...form.firstUser, ...patch } })}
                  onErrors={setUserErrors}
                  withRole={false}
                />
              ) : (
                <Text size="sm" c="dimmed">Only organization-level items (pipelines, custom fields, agents) will be created.</Text>
              )}
              <Group justify="space-between">
                <Button variant="default" onClick={() => go(0)}>Back</Button>
                <Button type="submit">Next: credentials</Button>
              </Group>
            </Stack>
          </Paper>
        </Stepper.Step>
        <Stepper.Step label="Credentials" description="Optional secrets">
          <Paper withBorder p="md" mt="md" component="form" noValidate onSubmit={(e) => (e.preventDefault(), toPreview())}>
            <Stack>
              <Text size="sm">
                Secret values are never copied from a snapshot. Enter the new organization’s own values now, or set them
                later. They are sent once, stored encrypted, and never shown again.
              </Text>
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                {credentialNames.map((name) => (
                  <PasswordInput
                    key={name}
                    label={credentialLabels[name]}
                    autoComplete="off"
                    description={sourceCredentials.includes(name) ? 'Configured at the source' : 'Not used at the source'}
                    value={credentials[name] ?? ''}
                    onChange={(e) => setCredentials({ ...credentials, [name]: e.currentTarget.value })}
                    error={credentialErrors[name]}
                  />
                ))}
              </SimpleGrid>
              <Group justify="space-between">
                <Button variant="default" onClick={() => go(1)}>Back</Button>
                <Button type="submit">Preview</Button>
              </Group>
            </Stack>
          </Paper>
        </Stepper.Step>
        <Stepper.Step label="Preview" description="Dry run">
          <PreviewStep
            dryRun={dryRun}
            apply={apply}
            applying="Applying: creating the organization and copying its setup…"
            applyLabel="Create organization"
            wouldSucceed={preview?.plan.wouldSucceed ?? false}
            onBack={() => go(2)}
            onApply={() => apply.mutate()}
          >
            {preview && (
              <>
                <PlanView plan={preview.plan} counts={{ 'Would create': preview.result.cloned }} />
                <MissingCredentials missing={preview.result.credentials.missing} future />
              </>
            )}
          </PreviewStep>
        </Stepper.Step>
        <Stepper.Completed>
          {result ? (
            <Paper withBorder p="md" mt="md" data-testid="apply-result">
              <Stack>
                <Alert color="teal" title="Organization created" role="status">
                  {result.result.organizationName} (id <code>{result.result.organizationId}</code>)
                  {result.result.userEmail ? ` with its first admin ${result.result.userEmail}` : ''}.
                </Alert>
                <Counts counts={result.result.cloned} label="Created" />
                <MissingCredentials missing={result.result.credentials.missing} organizationId={result.result.organizationId ?? undefined} />
                <Group>
                  <Button component={Link} to={paths.detail('org', id)} variant="default">Back to the snapshot</Button>
                  <Button component={Link} to={paths.catalogue('org')} variant="default">Org snapshots</Button>
                </Group>
              </Stack>
            </Paper>
          ) : (
            <Alert color="gray" mt="md">
              This apply has finished. <Anchor component={Link} to={paths.detail('org', id)}>Back to the snapshot</Anchor>.
            </Alert>
          )}
        </Stepper.Completed>
      </Stepper>
    </Stack>
  )
}

function MissingCredentials({ missing, future, organizationId }: { missing: string[]; future?: boolean; organizationId?: string }) {
  if (missing.length === 0) {
    return <Text size="sm">Every credential the source organization used {future ? 'will be' : 'is'} configured.</Text>
  }
  return (
    <Alert color="yellow" title={`Missing credentials (${missing.length})`} data-testid="missing-credentials">
      <Text size="sm">
        The source organization used these; the new organization {future ? 'will lack' : 'lacks'} them:
      </Text>
      <List size="sm" my="xs">
        {missing.map((name) => (
          <List.Item key={name}>
            <Code mr="xs">{name}</Code>
            {credentialLabels[name as keyof Credentials] ?? ''}
          </List.Item>
        ))}
      </List>
      {organizationId && (
        <Text size="sm">
          Set them with <code>PUT /api/organizations/{organizationId}/credentials</code>.
        </Text>
      )}
    </Alert>
  )
}
