import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core'
import { useState, type FormEvent } from 'react'
import { Navigate, useSearchParams } from 'react-router'
import { ApiError, api, unwrap } from '../api.ts'
import { paths } from '../paths.ts'
import { session, useSession } from '../session.ts'
import { email, fieldsUnder, required, validate } from '../validation.ts'

/** Only console addresses are followed after sign-in (never another origin). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : paths.catalogue('user')
}

export function SignIn() {
  const current = useSession()
  const [params] = useSearchParams()
  const [values, setValues] = useState({ email: '', password: '' })
  const [errors, setErrors] = useState<Partial<Record<'email' | 'password', string>>>({})
  const [failure, setFailure] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const reason = session.lastReason()

  if (current) return <Navigate to={safeNext(params.get('next'))} replace />

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const found = validate(values, { email: [required, email], password: [required] })
    setErrors(found)
    setFailure(null)
    if (Object.keys(found).length > 0) return
    setBusy(true)
    try {
      const answer = await unwrap(api.POST('/api/auth/login', { body: values }))
      session.signIn(answer.token, answer.user)
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) setErrors(fieldsUnder(error.fieldErrors, ''))
      setFailure(error instanceof ApiError ? error.message : 'Sign-in failed')
    } finally {
      setBusy(false)
    }
  }

  return (
    <Center mih="100vh" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" w={380} component="form" onSubmit={(e) => void submit(e)} noValidate>
        <Stack>
          <div>
            <Title order={1} size="h2">
              Tether Relay
            </Title>
            <Text c="dimmed">Sign in to the admin console</Text>
          </div>
          {reason === 'expired' && (
            <Alert color="yellow" title="Your session has expired" role="status">
              Sign in again to continue; what you had typed in a form is kept.
            </Alert>
          )}
          {reason === 'signed-out' && (
            <Alert color="gray" role="status">
              You have signed out.
            </Alert>
          )}
          {failure && (
            <Alert color="red" title="Could not sign in" role="alert">
              {failure}
            </Alert>
          )}
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            required
            value={values.email}
            error={errors.email}
            onChange={(e) => setValues({ ...values, email: e.currentTarget.value })}
            data-autofocus
            autoFocus
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={values.password}
            error={errors.password}
            onChange={(e) => setValues({ ...values, password: e.currentTarget.value })}
          />
          <Button type="submit" loading={busy}>
            Sign in
          </Button>
        </Stack>
      </Paper>
    </Center>
  )
}
