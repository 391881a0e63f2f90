import type { FastifyRequest } from 'fastify'

/**
 * Request logs never carry secrets. Header and body paths are censored by pino's
 * `redact`; the URL is logged whole by Fastify, so query parameters named like a
 * secret (token, password, key, secret, auth, signature, credential…) have their
 * values replaced here, whatever their case, prefix or suffix (`access_token`,
 * `apiKey`, `client-secret`).
 */
const secretName = /token|passw|pwd|secret|key|auth|signature|credential|session/i
const censor = '[redacted]'

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    return raw
  }
}

/** The URL with the values of secret-named query parameters replaced (the rest left exactly as sent). */
export function redactUrl(url: string): string {
  const start = url.indexOf('?')
  if (start === -1) return url
  const query = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=')
      const name = equals === -1 ? pair : pair.slice(0, equals)
      return secretName.test(decodedName(name)) && equals !== -1 ? `${name}=${censor}` : pair
    })
    .join('&')
  return `${url.slice(0, start)}?${query}`
}

/** Fastify's request serializer, with the URL redacted. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  }
}
