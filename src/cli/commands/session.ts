import { call, connect, type RemoteOptions } from '../api.ts'
import { credentialsPath, forgetLogin, saveLogin } from '../credentials.ts'
import { UsageError } from '../errors.ts'
import { fields, note, out, print, printJson } from '../output.ts'
import { askText, interactive, readPassword } from '../prompts.ts'

/** login, logout, whoami: the token kept for a server. */

const looksLikeEmail = (value: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)

export async function login(options: RemoteOptions & { email?: string; passwordStdin?: boolean }): Promise<void> {
  const connection = await connect(options, { signedIn: false, anonymous: true })
  let email = options.email?.trim()
  if (email === undefined) {
    if (!interactive()) throw new UsageError('--email is required when there is no terminal to ask on')
    email = await askText(`Email for ${connection.url}`, (value) => (looksLikeEmail(value) ? undefined : 'Enter an email address'))
  }
  if (!looksLikeEmail(email)) throw new UsageError('--email must be an email address')
  const password = await readPassword(options, `Password for ${email}`)

  const { token, user } = await call(connection, connection.client.POST('/api/auth/login', { body: { email, password } }))
  const file = await saveLogin(connection.url, { token, email: user.email, role: user.accessRole, savedAt: new Date().toISOString() })
  if (options.json) {
    printJson({ url: connection.url, user, credentialsFile: file })
    return
  }
  print(`Signed in to ${connection.url} as ${out.bold(user.email)} (${user.accessRole}).`)
  note(out.dim(`The token is kept in ${file} (readable by you only).`))
}

export async function logout(options: RemoteOptions): Promise<void> {
  const connection = await connect(options, { signedIn: false })
  const forgotten = await forgetLogin(connection.url)
  if (options.json) {
    printJson({ url: connection.url, loggedOut: forgotten })
    return
  }
  print(forgotten ? `Signed out of ${connection.url}: the token was deleted from ${credentialsPath()}.` : `No token was kept for ${connection.url}.`)
  if (process.env.TETHER_RELAY_TOKEN) note('TETHER_RELAY_TOKEN is still set in your environment and will be used until you unset it.')
}

export async function whoami(options: RemoteOptions): Promise<void> {
  const connection = await connect(options)
  const { user } = await call(connection, connection.client.GET('/api/auth/verify-token'))
  if (options.json) {
    printJson({ url: connection.url, user })
    return
  }
  print(
    fields([
      ['Server', connection.url],
      ['Email', user.email],
      ['Name', user.fullName],
      ['Role', user.accessRole],
      ['User', user.id],
      ['Organization', user.organizationId],
      ['Token from', connection.tokenSource === 'environment' ? 'TETHER_RELAY_TOKEN' : credentialsPath()],
    ]),
  )
}
