import { loadConfigOrExit, serve } from './runtime.ts'

/** Entry point of `npm start`. */
serve(loadConfigOrExit()).catch((error: unknown) => {
  console.error('Failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
