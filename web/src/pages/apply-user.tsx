import { Alert, Anchor, Button, Checkbox, Group, Paper, Select, Stack, Stepper, Text, Title } from '@mantine/core'
import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useParams } from 'react-router'
import { ApiError, api, unwrap, type ApplyUserBody, type ResponseAt } from '../api.ts'
import { Busy, Counts, ErrorAlert } from '../components.tsx'
import { useDraft } from '../drafts.ts'
import { paths } from '../paths.ts'
import { permissions, useSession } from '../session.ts'
import { fieldsUnder } from '../validation.ts'
import { useSnapshot } from './detail.tsx'
import { MappingForm, mappingBody, unresolvedCount } from './mapping.tsx'
import { NewUserFields, emptyNewUser, newUserBody, validateNewUser, type NewUserValues } from './new-user-fields.tsx'
import { PlanView, PreviewStep } from './plan.tsx'
import { useOrganizations } from './share.tsx'

type DryRun = ResponseAt<'/api/user-snapshots/{id}/apply', 'post', 200>
type Applied = ResponseAt<'/api/user-snapshots/{id}/apply', 'post', 201>

interface ApplyDraft {
  step: number
  organizationId: string
  newUser: NewUserValues
  applyAutomations: boolean
  applyPrompts: boolean
  applyTemplates: boolean
  /** Mapping choices by row key; rows not in here use the name match. */
  choices: Record<string, string>
}

/** Target → new user → mappings → preview (dry run) → apply → result. */
export function ApplyUserWizard() {
  const { id = '' } = useParams()
  const current = useSession()!
  const can = permissions(current.user)
  const snapshot = useSnapshot('user', id)
  const [form, update, clearDraft] = useDraft<ApplyDraft>(`apply-user-${id}`, {
    step: 0,
    organizationId: current.user.organizationId,
    newUser: emptyNewUser,
    applyAutomations: true,
    applyPrompts: true,
    applyTemplates: true,
    choices: {},
  })
  const [userErrors, setUserErrors] = useState<Partial<Record<keyof NewUserValues, string>>>({})
  const [preview, setPreview] = useState<DryRun | null>(null)
  const [result, setResult] = useState<Applied | null>(null)
  const organizations = useOrganizations(can.chooseTargetOrganization)
  const otherOrg = form.organizationId !== current.user.organizationId
  const refs = useQuery({
    queryKey: ['apply-refs', id, form.organizationId],
    queryFn: () =>
      unwrap(
        api.GET('/api/user-snapshots/{id}/apply-refs', {
          params: { path: { id }, query: otherOrg ? { organizationId: form.organizationId } : {} },
        }),
      ),
  })

  // SUPERADMIN chooses the target first; for an ADMIN it is always their own organization.
  const steps = can.chooseTargetOrganization ? ['target', 'user', 'mapping', 'preview'] : ['user', 'mapping', 'preview']
  const step = Math.min(form.step, steps.length)
  const go = (next: number) => update({ step: next })
  const sameOrg = snapshot.data?.sourceOrgId === form.organizationId

  const body = (): ApplyUserBody => ({
    newUser: newUserBody(form.newUser, true) as ApplyUserBody['newUser'],
    applyAutomations: form.applyAutomations,
    applyPrompts: form.applyPrompts,
    applyTemplates: form.applyTemplates,
    ...(refs.data && !sameOrg ? mappingBody(refs.data, form.choices) : {}),
  })
  const query = (dryRun: boolean) => ({ ...(dryRun ? { dryRun: true } : {}), ...(otherOrg ? { organizationId: form.organizationId } : {}) })

  /** A 400 names the fields: put each message beside its input and go back to that step. */
  const showFieldErrors = (error: Error) => {
    if (!(error instanceof ApiError)) return
    const fields = fieldsUnder(error.fieldErrors, '/newUser')
    if (Object.keys(fields).length > 0) {
      setUserErrors(fields)
      go(steps.indexOf('user'))
    }
  }
  const dryRun = useMutation({
    mutationFn: () => unwrap(api.POST('/api/user-snapshots/{id}/apply', { params: { path: { id }, query: query(true) }, body: body() })),
    onSuccess: (answer) => setPreview(answer as DryRun),
    onError: showFieldErrors,
  })
  const apply = useMutation({
    mutationFn: () => unwrap(api.POST('/api/user-snapshots/{id}/apply', { params: { path: { id }, query: query(false) }, body: body() })),
    onSuccess: (answer) => {
      setResult(answer as Applied)
      clearDraft()
      update({ step: steps.length })
    },
    onError: showFieldErrors,
  })

  const agentNames = Object.fromEntries([
    ...(refs.data?.agentRefs ?? []).flatMap((ref) => (ref.agentName ? [[ref.value, ref.agentName]] : [])),
    ...(refs.data?.targetAgents ?? []).map((agent) => [agent._id, agent.name]),
  ]) as Record<string, string>

  const toPreview = () => {
    setPreview(null)
    go(steps.indexOf('preview'))
    dryRun.mutate()
  }
  const fromUser = () => {
    const found = validateNewUser(form.newUser)
    setUserErrors(found)
    if (Object.keys(found).length === 0) go(step + 1)
  }

  if (snapshot.isPending) return <Busy label="Loading the snapshot…" />
  if (snapshot.error) return <ErrorAlert error={snapshot.error} />
  const targetName =
    organizations.data?.find((org) => org._id === form.organizationId)?.name ??
    (otherOrg ? 'the chosen organization' : 'your organization')

  return (
    <Stack>
      <Anchor component={Link} to={paths.detail('user', id)} size="sm">
        ← {snapshot.data.name}
      </Anchor>
      <Title order={1} size="h2">
        Apply “{snapshot.data.name}”
      </Title>
      <Text c="dimmed">Creates a new user in {targetName} with copies of the snapshot’s items, all or nothing.</Text>
      <Stepper active={step} onStepClick={(n) => n < step && !result && go(n)} allowNextStepsSelect={false} size="sm">
        {can.chooseTargetOrganization && (
          <Stepper.Step label="Target" description="Organization">
            <Paper withBorder p="md" mt="md">
              <Stack>
                <Select
                  label="Organization to create the user in"
                  searchable
                  allowDeselect={false}
                  data={(organizations.data ?? []).map((org) => ({ value: org._id, label: org.name }))}
                  value={form.organizationId}
                  onChange={(value) => value && update({ organizationId: value, choices: {} })}
                  nothingFoundMessage="No organization matches"
                />
                <Group justify="flex-end">
                  <Button onClick={() => go(step + 1)}>Next: new user</Button>
                </Group>
              </Stack>
            </Paper>
          </Stepper.Step>
        )}
        <Stepper.Step label="New user" description="Who gets the copies">
          <Paper withBorder p="md" mt="md" component="form" noValidate onSubmit={(e) => (e.preventDefault(), fromUser())}>
            <Stack>
              <NewUserFields
                values={form.newUser}
                errors={userErrors}
                onChange={(patch) => update({ newUser: { ...form.newUser, ...patch } })}
                onErrors={setUserErrors}
                withRole
              />
              <Group>
                <Checkbox label="Copy automations" checked={form.applyAutomations} onChange={(e) => update({ applyAutomations: e.currentTarget.checked })} />
                <Checkbox label="Copy prompts" checked={form.applyPrompts} onChange={(e) => update({ applyPrompts: e.currentTarget.checked })} />
                <Checkbox label="Copy templates" checked={form.applyTemplates} onChange={(e) => update({ applyTemplates: e.currentTarget.checked })} />
              </Group>
              <Group justify="space-between">
                {step > 0 ? <Button variant="default" onClick={() => go(step - 1)}>Back</Button> : <span />}
                <Button type="submit">Next: mappings</Button>
              </Group>
            </Stack>
          </Paper>
        </Stepper.Step>
        <Stepper.Step label="Mappings" description="Stages and agents">
          <Paper withBorder p="md" mt="md">
            <Stack>
              {sameOrg ? (
                <Alert color="blue" title="Same organization">
                  The snapshot comes from this organization: automations and templates are not copied (the colleague’s
                  originals stay in use) and prompts are shared, so there is nothing to map.
                </Alert>
              ) : refs.isPending ? (
                <Busy label="Loading the target’s pipelines and agents…" />
              ) : refs.error ? (
                <ErrorAlert error={refs.error} />
              ) : (
                <MappingForm refs={refs.data} choices={form.choices} onChange={(key, value) => update({ choices: { ...form.choices, [key]: value } })} />
              )}
              <Group justify="space-between">
                <Button variant="default" onClick={() => go(step - 1)}>Back</Button>
                <Button onClick={toPreview}>
                  Preview{refs.data && !sameOrg && unresolvedCount(refs.data, form.choices) > 0 ? ' anyway' : ''}
                </Button>
              </Group>
            </Stack>
          </Paper>
        </Stepper.Step>
        <Stepper.Step label="Preview" description="Dry run">
          <PreviewStep
            dryRun={dryRun}
            apply={apply}
            applying="Applying: creating the user and copying the items…"
            applyLabel="Apply snapshot"
            wouldSucceed={preview?.plan.wouldSucceed ?? false}
            onBack={() => go(step - 1)}
            onApply={() => apply.mutate()}
          >
            {preview && (
              <PlanView
                plan={preview.plan}
                counts={{ 'Would copy': preview.result.cloned, 'Would share (mapped)': preview.result.mapped, 'Would skip': preview.result.skipped }}
                names={agentNames}
              />
            )}
          </PreviewStep>
        </Stepper.Step>
        <Stepper.Completed>
          {result && (
            <Paper withBorder p="md" mt="md" data-testid="apply-result">
              <Stack>
                <Alert color="teal" title="Snapshot applied" role="status">
                  Created user {result.result.userEmail} (id <code>{result.result.userId}</code>) in {targetName}.
                </Alert>
                <Counts counts={result.result.cloned} label="Copied" />
                <Text size="sm">
                  The new user signs in with the temporary password you set. Their copies are listed by{' '}
                  <Anchor href={`/docs#/Automations`} target="_blank" rel="noopener">
                    GET /api/automations?userId={result.result.userId}
                  </Anchor>
                  , and likewise for prompts and templates.
                </Text>
                <Group>
                  <Button component={Link} to={paths.detail('user', id)} variant="default">
                    Back to the snapshot
                  </Button>
                  <Button component={Link} to={paths.catalogue('user')} variant="default">
                    Snapshot catalogue
                  </Button>
                  <Button onClick={() => (setResult(null), setPreview(null), update({ step: 0 }))}>Apply again</Button>
                </Group>
              </Stack>
            </Paper>
          )}
          {!result && (
            <Alert color="gray" mt="md">
              This apply has finished. <Anchor component={Link} to={paths.detail('user', id)}>Back to the snapshot</Anchor>.
            </Alert>
          )}
        </Stepper.Completed>
      </Stepper>
    </Stack>
  )
}
