import autocannon from 'autocannon'

/**
 * autocannon in a process of its own (bench/http.ts forks it), so neither its CPU
 * nor the memory of the answers it reads count against the server measured: the
 * options arrive as the first message, the result goes back as the only reply.
 */
process.once('message', (options: autocannon.Options) => {
  autocannon(options, (error, result) => {
    process.send!(error ? { error: String(error) } : { result }, () => process.exit(0))
  })
})
