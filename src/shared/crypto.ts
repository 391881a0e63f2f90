import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Credential values at rest: AES-256-GCM ciphertext plus a keyed hash (HMAC-SHA256)
 * used to enforce cross-organization uniqueness without decrypting. Both keys are
 * derived from ENCRYPTION_KEY with HKDF so one secret never serves two purposes.
 */
export interface SecretBox {
  encrypt(plaintext: string): string
  decrypt(ciphertext: string): string
  /** Deterministic keyed hash of a value, for equality checks. */
  fingerprint(value: string): string
}

const version = 'v1'

export function createSecretBox(masterKey: Buffer): SecretBox {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32))
  const encryptionKey = derive('tether-relay credentials encryption')
  const hashKey = derive('tether-relay credentials fingerprint')

  return {
    encrypt(plaintext) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv)
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return [version, iv.toString('base64'), tag.toString('base64'), body.toString('base64')].join(':')
    },
    decrypt(ciphertext) {
      const [v, iv, tag, body] = ciphertext.split(':')
      if (v !== version || !iv || !tag || body === undefined) throw new Error('Unsupported ciphertext format')
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, Buffer.from(iv, 'base64'))
      decipher.setAuthTag(Buffer.from(tag, 'base64'))
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8')
    },
    fingerprint(value) {
      return createHmac('sha256', hashKey).update(value, 'utf8').digest('base64')
    },
  }
}
