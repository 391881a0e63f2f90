import '@mantine/core/styles.css'
import { MantineProvider, Modal, createTheme, type CSSVariablesResolver } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { RouterProvider } from 'react-router'
import { ApiError } from './api.ts'
import { catalogueFilterOf, catalogueQuery } from './pages/catalogue.tsx'
import { router } from './router.tsx'
import { session } from './session.ts'

const theme = createTheme({
  primaryColor: 'blue',
  // Darker shades keep text on coloured backgrounds above WCAG AA contrast.
  primaryShade: 9,
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  components: {
    // The close button is an icon: give it a name screen readers can say.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } }),
  },
})

// Mantine's default "dimmed" grey is 3.3:1 on white; WCAG AA asks 4.5:1 for body text.
const cssVariables: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-9)',
    // Light variants (alerts, badges) on the palest tint, with their text in the darkest shade.
    ...Object.fromEntries(
      ['blue', 'red', 'yellow', 'teal', 'gray', 'grape', 'green', 'orange'].flatMap((color) => [
        [`--mantine-color-${color}-light`, `var(--mantine-color-${color}-0)`],
        [`--mantine-color-${color}-light-color`, `var(--mantine-color-${color}-9)`],
        [`--mantine-color-${color}-light-hover`, `var(--mantine-color-${color}-1)`],
      ]),
    ),
    // Yellow, orange and green text stays below 4.5:1 even at shade 9; use darker tones.
    '--mantine-color-yellow-light-color': '#7a4b00',
    '--mantine-color-orange-light-color': '#8a3200',
    '--mantine-color-green-light-color': '#1f6b2f',
  },
  dark: {},
})

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      // 4xx answers do not get better by asking again.
      retry: (failures, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
    },
  },
})

// Opening on a catalogue: ask for its first page now, while React renders, not after.
const opening = /^\/(user|org)-snapshots\/?$/.exec(window.location.pathname)
if (opening && session.get() && (opening[1] === 'user' || session.get()?.user.accessRole === 'SUPERADMIN')) {
  const kind = opening[1] === 'org' ? 'org' : 'user'
  void queryClient.prefetchQuery(catalogueQuery(kind, catalogueFilterOf(kind, new URLSearchParams(window.location.search))))
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariables}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
)
