import { Alert, Anchor, Button, FileInput, Group, List, Modal, Stack, Text } from '@mantine/core'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { ApiError, api, unwrap } from '../api.ts'
import { ErrorAlert } from '../components.tsx'
import { paths, type SnapshotKind } from '../paths.ts'

/** The bundle file name the server proposes (Content-Disposition), else one made from the snapshot's name. */
function fileNameOf(response: Response, fallback: string): string {
  const header = response.headers.get('content-disposition') ?? ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header)?.[1]
  if (star) return decodeURIComponent(star)
  return /filename="?([^";]+)"?/i.exec(header)?.[1] ?? fallback
}

/** Downloads the snapshot's bundle (a signed JSON file): fetched with the session's token, then saved by the browser. */
export function ExportButton({ kind, id, name, version }: { kind: SnapshotKind; id: string; name: string; version?: number }) {
  const download = useMutation({
    mutationFn: async () => {
      const params = { path: { id }, query: version === undefined ? {} : { version } }
      const call =
        kind === 'user'
          ? api.GET('/api/user-snapshots/{id}/export', { params, parseAs: 'blob' })
          : api.GET('/api/org-snapshots/{id}/export', { params, parseAs: 'blob' })
      const { response } = await call
      const blob = await unwrap(call)
      const url = URL.createObjectURL(blob)
      const link = document.createElement('a')
      link.href = url
      link.download = fileNameOf(response, `${name.replace(/[^\w.-]+/g, '-')}.snapshot-bundle.json`)
      document.body.append(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    },
  })
  return (
    <>
      <Button variant="default" loading={download.isPending} onClick={() => download.mutate()}>
        Export bundle
      </Button>
      {download.error && <ErrorAlert error={download.error} title="The bundle could not be exported" />}
    </>
  )
}

interface BundlePreview {
  kind: SnapshotKind
  name: string
  version: number
  exportedAt: string
  keyId: string
  counts: Record<string, unknown>
}

/** What the file says it is, read before sending (the server verifies checksum and signature). */
function previewOf(text: string): BundlePreview | string {
  type Shape = {
    format?: unknown
    kind?: unknown
    exportedAt?: unknown
    instance?: { keyId?: unknown }
    snapshot?: { name?: unknown; version?: unknown; counts?: Record<string, unknown> }
  }
  let bundle: Shape | null
  try {
    bundle = JSON.parse(text) as Shape | null
  } catch {
    return 'This file is not JSON: choose a bundle exported from a snapshot (a .json file).'
  }
  if (bundle?.format !== 'tether-relay.snapshot-bundle') return 'This JSON file is not a Tether Relay snapshot bundle.'
  if (bundle.kind !== 'user' && bundle.kind !== 'org') return 'The bundle names no snapshot kind.'
  const str = (value: unknown) => (typeof value === 'string' ? value : '')
  return {
    kind: bundle.kind,
    name: str(bundle.snapshot?.name),
    version: Number(bundle.snapshot?.version ?? 1),
    exportedAt: str(bundle.exportedAt),
    keyId: str(bundle.instance?.keyId),
    counts: bundle.snapshot?.counts ?? {},
  }
}

type Imported = { message: string; snapshot: { _id: string; name: string; version?: number } }

/** Upload a bundle: checked for shape in the browser, verified (checksum, signature, trusted key) by the server. */
export function ImportDialog({ kind, opened, onClose }: { kind: SnapshotKind; opened: boolean; onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null)
  const [text, setText] = useState<string | null>(null)
  const [fileError, setFileError] = useState<string | undefined>()
  const queryClient = useQueryClient()
  const preview = text === null ? null : previewOf(text)
  const upload = useMutation({
    mutationFn: (): Promise<Imported> => {
      // The file is sent as it was read: re-serializing it could only change what its checksum covers.
      const options = { body: {} as never, bodySerializer: () => text!, headers: { 'content-type': 'application/json' } }
      return kind === 'user' ? unwrap(api.POST('/api/user-snapshots/import', options)) : unwrap(api.POST('/api/org-snapshots/import', options))
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['snapshots', kind] }),
  })
  const choose = async (chosen: File | null) => {
    setFile(chosen)
    upload.reset()
    setFileError(undefined)
    setText(chosen ? await chosen.text() : null)
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!file || text === null) return setFileError('Choose a bundle file')
    if (typeof preview === 'string') return setFileError(preview)
    if (preview && preview.kind !== kind) {
      return setFileError(`This is ${preview.kind === 'user' ? 'a user' : 'an org'} snapshot bundle; import it from the ${preview.kind === 'user' ? 'user' : 'org'} snapshots`)
    }
    upload.mutate()
  }
  const close = () => {
    void choose(null)
    onClose()
  }
  const result = upload.data
  const failure = upload.error instanceof ApiError ? upload.error : null
  return (
    <Modal opened={opened} onClose={close} title={`Import ${kind === 'user' ? 'a user' : 'an org'} snapshot bundle`} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
        <Text size="sm">
          A bundle exported from this or another Tether Relay instance becomes a snapshot here, shared with your
          organization. Its checksum and signature are verified before anything is written.
        </Text>
        <FileInput
          label="Bundle file"
          placeholder="Choose a .json bundle"
          accept="application/json,.json"
          value={file}
          onChange={(chosen) => void choose(chosen)}
          error={fileError}
          clearable
          clearButtonProps={{ 'aria-label': 'Remove the chosen file' }}
        />
        {preview && typeof preview !== 'string' && !result && (
          <Alert color="gray" title={`“${preview.name}”, version ${preview.version}`} data-testid="bundle-preview">
            <Text size="sm">
              Exported {preview.exportedAt ? new Date(preview.exportedAt).toLocaleString() : ''} · signed by key{' '}
              <code>{preview.keyId}</code>
            </Text>
            <Text size="sm">
              {Object.entries(preview.counts)
                .map(([k, n]) => `${String(n)} ${k}`)
                .join(', ')}
            </Text>
          </Alert>
        )}
        {result && (
          <Alert color="teal" title={result.message} data-testid="import-result">
            <List size="sm">
              <List.Item>Checksum verified: the content is what was exported.</List.Item>
              <List.Item>Signature verified{preview && typeof preview !== 'string' ? ` (key ${preview.keyId})` : ''}.</List.Item>
            </List>
            <Anchor component={Link} to={paths.detail(kind, result.snapshot._id)} onClick={close}>
              Open “{result.snapshot.name}”
            </Anchor>
          </Alert>
        )}
        {failure && (
          <ErrorAlert
            error={failure}
            title={failure.status === 400 || failure.status === 422 ? `Not imported: ${failure.body.error}` : 'Not imported'}
          />
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            {result ? 'Close' : 'Cancel'}
          </Button>
          {!result && (
            <Button type="submit" loading={upload.isPending}>
              Verify and import
            </Button>
          )}
        </Group>
        </Stack>
      </form>
    </Modal>
  )
}
