import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { CommandFailure } from './errors.ts'

/**
 * Tokens from `tether-relay login`, one per server, in a file only the user can
 * read (0600, in a 0700 directory). A token is stored under the server's origin
 * and only ever sent back to that origin.
 */

export interface StoredLogin {
  token: string
  email: string
  role: string
  savedAt: string
}

interface CredentialsFile {
  servers: Record<string, StoredLogin>
}

/** `$XDG_CONFIG_HOME/tether-relay`, else `~/.config/tether-relay`. */
export function configDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME?.trim()
  // The XDG spec says relative paths are invalid and must be ignored.
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME?.trim() || homedir(), '.config')
  return join(base, 'tether-relay')
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDirectory(env), 'credentials.json')
}

async function readCredentials(path: string): Promise<CredentialsFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} }
    throw error
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile> | null
    return { servers: parsed && typeof parsed.servers === 'object' && parsed.servers ? parsed.servers : {} }
  } catch {
    throw new CommandFailure(`${path} is not valid JSON`, 'Delete it and run tether-relay login again.')
  }
}

/** Writes a new file with mode 0600 beside the old one, then renames it over: never a half-written or readable file. */
async function writeCredentials(path: string, credentials: CredentialsFile): Promise<void> {
  const directory = configDirectory()
  await mkdir(directory, { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  const handle = await open(temporary, 'w', 0o600)
  try {
    await handle.writeFile(`${JSON.stringify(credentials, null, 2)}\n`)
  } finally {
    await handle.close()
  }
  await chmod(temporary, 0o600) // the mode of open() is masked by the umask
  await rename(temporary, path)
}

export async function loadLogin(origin: string): Promise<StoredLogin | undefined> {
  return (await readCredentials(credentialsPath())).servers[origin]
}

export async function saveLogin(origin: string, login: StoredLogin): Promise<string> {
  const path = credentialsPath()
  const credentials = await readCredentials(path)
  credentials.servers[origin] = login
  await writeCredentials(path, credentials)
  return path
}

/** Forgets the token for one server; the file goes when it holds no other. Returns whether there was one. */
export async function forgetLogin(origin: string): Promise<boolean> {
  const path = credentialsPath()
  const credentials = await readCredentials(path)
  if (!(origin in credentials.servers)) return false
  delete credentials.servers[origin]
  if (Object.keys(credentials.servers).length === 0) await rm(path, { force: true })
  else await writeCredentials(path, credentials)
  return true
}
