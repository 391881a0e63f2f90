import { Navigate, createBrowserRouter } from 'react-router'
import { Layout, RequireSession } from './layout.tsx'
import { ApplyUserWizard } from './pages/apply-user.tsx'
import { ApplyOrgWizard } from './pages/apply-org.tsx'
import { Catalogue } from './pages/catalogue.tsx'
import { CreateSnapshot } from './pages/create.tsx'
import { NotFound } from './pages/not-found.tsx'
import { SignIn } from './pages/sign-in.tsx'
import { SnapshotDetail } from './pages/detail.tsx'

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
          { path: '/user-snapshots/new', element: <CreateSnapshot kind="user" /> },
          { path: '/user-snapshots/:id', element: <SnapshotDetail kind="user" /> },
          { path: '/user-snapshots/:id/apply', element: <ApplyUserWizard /> },
          { path: '/org-snapshots', element: <Catalogue kind="org" /> },
          { path: '/org-snapshots/new', element: <CreateSnapshot kind="org" /> },
          { path: '/org-snapshots/:id', element: <SnapshotDetail kind="org" /> },
          { path: '/org-snapshots/:id/apply', element: <ApplyOrgWizard /> },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
])
