import { Anchor, Button, Group, Paper, Select, Stack, Text, TextInput, Textarea, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link, useNavigate } from 'react-router'
import { ApiError, api, unwrap } from '../api.ts'
import { ErrorAlert } from '../components.tsx'
import { useDraft } from '../drafts.ts'
import { paths, type SnapshotKind } from '../paths.ts'
import { permissions, useSession } from '../session.ts'
import { maxLength, required, validate } from '../validation.ts'
import { useOrganizations } from './share.tsx'

type Field = 'name' | 'description' | 'sourceOrgId' | 'sourceUserId'

export function CreateSnapshot({ kind }: { kind: SnapshotKind }) {
  const current = useSession()!
  const can = permissions(current.user)
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [form, update] = useDraft(`create-${kind}`, {
    name: '',
    description: '',
    sourceOrgId: can.pickSourceOrganization ? '' : current.user.organizationId,
    sourceUserId: '',
  })
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({})
  const organizations = useOrganizations(can.pickSourceOrganization)
  const users = useQuery({
    queryKey: ['source-users', kind, form.sourceOrgId],
    queryFn: () =>
      kind === 'user'
        ? unwrap(api.GET('/api/user-snapshots/orgs/{orgId}/users', { params: { path: { orgId: form.sourceOrgId } } }))
        : unwrap(
            api.GET('/api/org-snapshots/orgs/{organizationId}/users', {
              params: { path: { organizationId: form.sourceOrgId } },
            }),
          ),
    enabled: form.sourceOrgId !== '',
  })
  const create = useMutation({
    mutationFn: (): Promise<{ snapshot: { _id: string } }> => {
      const body = {
        name: form.name.trim(),
        sourceOrgId: form.sourceOrgId,
        sourceUserId: form.sourceUserId,
        ...(form.description.trim() ? { description: form.description.trim() } : {}),
      }
      return kind === 'user'
        ? unwrap(api.POST('/api/user-snapshots', { body }))
        : unwrap(api.POST('/api/org-snapshots', { body }))
    },
    onSuccess: async (answer) => {
      await queryClient.invalidateQueries({ queryKey: ['snapshots', kind] })
      setTimeout(() => sessionStorage.removeItem(`tether.draft.create-${kind}`))
      void navigate(paths.detail(kind, answer.snapshot._id))
    },
    onError: (error) => {
      if (error instanceof ApiError) {
        const fields: Partial<Record<Field, string>> = {}
        for (const [path, message] of Object.entries(error.fieldErrors)) fields[path.slice(1) as Field] ??= message
        setErrors(fields)
      }
    },
  })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const found = validate(form, {
      name: [required, maxLength(120)],
      description: [maxLength(500)],
      sourceOrgId: [required],
      sourceUserId: [required],
    })
    setErrors(found)
    if (Object.keys(found).length === 0) create.mutate()
  }

  const what =
    kind === 'user'
      ? 'the user’s automations, AI prompts and message templates'
      : 'the organization’s pipelines, custom fields, AI agents, credential names, and one user’s automations, prompts and templates'

  return (
    <Stack maw={640}>
      <Anchor component={Link} to={paths.catalogue(kind)} size="sm">
        ← {kind === 'user' ? 'User snapshots' : 'Org snapshots'}
      </Anchor>
      <Title order={1} size="h2">
        Create {kind === 'user' ? 'a user' : 'an org'} snapshot
      </Title>
      <Text c="dimmed">A snapshot is a frozen copy of {what}. Later edits of the source do not change it.</Text>
      <Paper withBorder p="md" component="form" onSubmit={submit} noValidate>
        <Stack>
          {can.pickSourceOrganization ? (
            <Select
              label="Organization"
              placeholder={organizations.isPending ? 'Loading organizations…' : 'Pick the source organization'}
              searchable
              required
              data={(organizations.data ?? []).map((org) => ({ value: org._id, label: org.name }))}
              value={form.sourceOrgId || null}
              onChange={(value) => update({ sourceOrgId: value ?? '', sourceUserId: '' })}
              error={errors.sourceOrgId}
              nothingFoundMessage="No organization matches"
            />
          ) : (
            <Text size="sm">Source organization: your organization.</Text>
          )}
          <Select
            label={kind === 'user' ? 'User to capture' : 'User whose automations, prompts and templates to capture'}
            placeholder={
              form.sourceOrgId === '' ? 'Pick an organization first' : users.isPending ? 'Loading users…' : 'Pick a user'
            }
            searchable
            required
            disabled={form.sourceOrgId === ''}
            data={(users.data?.users ?? []).map((user) => ({
              value: user._id,
              label: `${user.fullName} <${user.email}> · ${user.accessRole}`,
            }))}
            value={form.sourceUserId || null}
            onChange={(value) => update({ sourceUserId: value ?? '' })}
            error={errors.sourceUserId}
            nothingFoundMessage="No user matches"
          />
          <TextInput
            label="Name"
            required
            maxLength={120}
            value={form.name}
            onChange={(e) => {
              update({ name: e.currentTarget.value })
              setErrors((prev) => ({ ...prev, name: undefined }))
            }}
            onBlur={() => setErrors((prev) => ({ ...prev, ...validate(form, { name: [required, maxLength(120)] }) }))}
            error={errors.name}
            description="Shown in the catalogue, up to 120 characters"
          />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            maxLength={500}
            value={form.description}
            onChange={(e) => update({ description: e.currentTarget.value })}
            error={errors.description}
            description="Optional, up to 500 characters"
          />
          {create.error && <ErrorAlert error={create.error} title="The snapshot was not created" />}
          <Group justify="flex-end">
            <Button component={Link} to={paths.catalogue(kind)} variant="default">
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              {create.isPending ? 'Capturing…' : 'Create snapshot'}
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Stack>
  )
}
