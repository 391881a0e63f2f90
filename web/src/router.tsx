import { Navigate, createBrowserRouter } from 'react-router'
import { Layout, RequireSession } from './layout.tsx'
import { Catalogue } from './pages/catalogue.tsx'
import { NotFound } from './pages/not-found.tsx'
import { SignIn } from './pages/sign-in.tsx'

/**
 * Sign-in and the catalogue (the first screens) are in the initial bundle; the
 * other screens load when first opened, so the first screen parses less script.
 */
export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignIn /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <Layout />,
        children: [
          { path: '/', element: <Navigate to="/user-snapshots" replace /> },
          { path: '/user-snapshots', element: <Catalogue kind="user" /> },
          { path: '/org-snapshots', element: <Catalogue kind="org" /> },
          {
            path: '/user-snapshots/new',
            lazy: async () => {
              const { CreateSnapshot } = await import('./pages/create.tsx')
              return { element: <CreateSnapshot kind="user" /> }
            },
          },
          {
            path: '/org-snapshots/new',
            lazy: async () => {
              const { CreateSnapshot } = await import('./pages/create.tsx')
              return { element: <CreateSnapshot kind="org" /> }
            },
          },
          {
            path: '/user-snapshots/:id',
            lazy: async () => {
              const { SnapshotDetail } = await import('./pages/detail.tsx')
              return { element: <SnapshotDetail kind="user" /> }
            },
          },
          {
            path: '/org-snapshots/:id',
            lazy: async () => {
              const { SnapshotDetail } = await import('./pages/detail.tsx')
              return { element: <SnapshotDetail kind="org" /> }
            },
          },
          {
            path: '/user-snapshots/:id/apply',
            lazy: async () => ({ Component: (await import('./pages/apply-user.tsx')).ApplyUserWizard }),
          },
          {
            path: '/org-snapshots/:id/apply',
            lazy: async () => ({ Component: (await import('./pages/apply-org.tsx')).ApplyOrgWizard }),
          },
          {
            path: '/user-snapshots/:id/push',
            lazy: async () => {
              const { PushUpdates } = await import('./pages/push.tsx')
              return { element: <PushUpdates kind="user" /> }
            },
          },
          {
            path: '/org-snapshots/:id/push',
            lazy: async () => {
              const { PushUpdates } = await import('./pages/push.tsx')
              return { element: <PushUpdates kind="org" /> }
            },
          },
          {
            path: '/audit',
            lazy: async () => ({ Component: (await import('./pages/audit.tsx')).AuditLog }),
          },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
])
