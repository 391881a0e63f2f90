import { Alert, AppShell, Badge, Button, Container, Group, NavLink, Text, Title } from '@mantine/core'
import { Navigate, Outlet, NavLink as RouterNavLink, useLocation, useNavigate } from 'react-router'
import { clearDrafts } from './drafts.ts'
import { paths } from './paths.ts'
import { permissions, session, useSession } from './session.ts'

/** Screens behind sign-in: without a session, go to the sign-in screen and come back here afterwards. */
export function RequireSession() {
  const current = useSession()
  const location = useLocation()
  if (!current) {
    const next = location.pathname + location.search
    return <Navigate to={`${paths.signIn}?next=${encodeURIComponent(next)}`} replace />
  }
  return <Outlet />
}

export function Layout() {
  const current = useSession()!
  const navigate = useNavigate()
  const can = permissions(current.user)
  const signOut = () => {
    clearDrafts()
    session.signOut()
    void navigate(paths.signIn)
  }
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Text fw={700} size="lg" component="span">
              Tether Relay
            </Text>
            <Text c="dimmed" component="span">
              console
            </Text>
          </Group>
          <Group gap="sm">
            <Text size="sm" component="span" data-testid="signed-in-user">
              {current.user.fullName}
            </Text>
            <Badge variant="light" color={current.user.accessRole === 'SUPERADMIN' ? 'grape' : 'blue'}>
              {current.user.accessRole}
            </Badge>
            <Button variant="default" size="xs" onClick={signOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {can.userSnapshots && (
          <NavLink component={RouterNavLink} to={paths.catalogue('user')} label="User snapshots" />
        )}
        {can.orgSnapshots && <NavLink component={RouterNavLink} to={paths.catalogue('org')} label="Org snapshots" />}
        {can.userSnapshots && <NavLink component={RouterNavLink} to={paths.audit} label="Audit log" />}
        <NavLink href="/docs" label="API reference" target="_blank" rel="noopener" />
      </AppShell.Navbar>
      <AppShell.Main>
        <Container size="xl" px={0} component="main">
          {can.userSnapshots ? <Outlet /> : <NoAccess role={current.user.accessRole} />}
        </Container>
      </AppShell.Main>
    </AppShell>
  )
}

function NoAccess({ role }: { role: string }) {
  return (
    <>
      <Title order={1} size="h2" mb="md">
        Snapshots
      </Title>
      <Alert color="yellow" title="Your role has no access to snapshots" data-testid="no-access">
        You are signed in as {role}. Snapshots are managed by organization admins and platform superadmins; ask an
        admin of your organization if you need a setup copied to you.
      </Alert>
    </>
  )
}
