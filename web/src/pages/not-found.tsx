import { Alert, Anchor, Title } from '@mantine/core'
import { Link } from 'react-router'
import { paths } from '../paths.ts'

export function NotFound() {
  return (
    <>
      <Title order={1} size="h2" mb="md">
        Page not found
      </Title>
      <Alert color="gray">
        There is nothing at this address.{' '}
        <Anchor component={Link} to={paths.catalogue('user')}>
          Go to the snapshot catalogue
        </Anchor>
        .
      </Alert>
    </>
  )
}
