import { run } from './program.ts'

/**
 * Entry point of `tether-relay` (bin/tether-relay.mjs → dist/cli/main.js) and of
 * `npm run cli`. The exit code is set, not forced, so piped output is flushed.
 */
process.exitCode = await run(process.argv.slice(2))
