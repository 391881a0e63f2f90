import { Button, Group, Modal, MultiSelect, Stack, Switch, Text } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { ApiError, api, unwrap, type UserSnapshotDetail } from '../api.ts'
import { ErrorAlert } from '../components.tsx'
import { permissions, useSession } from '../session.ts'

export function useOrganizations(enabled: boolean) {
  return useQuery({
    queryKey: ['organizations'],
    queryFn: () => unwrap(api.GET('/api/organizations')).then((a) => a.organizations),
    enabled,
    staleTime: 60_000,
  })
}

/**
 * Sharing by role (SPEC §3): a SUPERADMIN picks the organizations and the global
 * switch; the ADMIN who created the snapshot only has the global switch.
 */
export function ShareDialog({ opened, onClose, snapshot }: { opened: boolean; onClose: () => void; snapshot: UserSnapshotDetail }) {
  const current = useSession()!
  const can = permissions(current.user)
  const organizations = useOrganizations(opened && can.assignOrganizations)
  const [orgIds, setOrgIds] = useState<string[]>(snapshot.assignedOrgIds)
  const [isGlobal, setIsGlobal] = useState(snapshot.isGlobal)
  const queryClient = useQueryClient()
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/api/user-snapshots/{id}/assign', {
          params: { path: { id: snapshot._id } },
          body: can.assignOrganizations ? { assignedOrgIds: orgIds, isGlobal } : { isGlobal },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['snapshot', 'user', snapshot._id] })
      await queryClient.invalidateQueries({ queryKey: ['snapshots', 'user'] })
      onClose()
    },
  })
  const fieldError = save.error instanceof ApiError ? save.error.fieldErrors : {}
  const orgError = Object.entries(fieldError).find(([path]) => path.startsWith('/assignedOrgIds'))?.[1]

  return (
    <Modal opened={opened} onClose={onClose} title="Share snapshot" size="lg">
      <Stack>
        {can.assignOrganizations ? (
          <MultiSelect
            label="Organizations"
            description="Admins of these organizations can see and apply the snapshot."
            searchable
            data={(organizations.data ?? []).map((org) => ({ value: org._id, label: org.name }))}
            value={orgIds}
            onChange={setOrgIds}
            nothingFoundMessage="No organization matches"
            error={orgError}
            disabled={organizations.isPending}
          />
        ) : (
          <Text size="sm">As its creator you can make this snapshot visible to every organization, or only to yours.</Text>
        )}
        <Switch
          label="Visible to every organization (global)"
          checked={isGlobal}
          onChange={(e) => setIsGlobal(e.currentTarget.checked)}
        />
        {save.error && !orgError && <ErrorAlert error={save.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            Save sharing
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}
