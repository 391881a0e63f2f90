import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, CompactSign, compactVerify, EmbeddedJWK, type JWK } from 'jose'

/**
 * The instance's Ed25519 bundle signing key (SPEC §7.6). A bundle's signature is a
 * compact JWS (alg EdDSA) over its checksum string, whose protected header carries
 * the key id and the public key, so any holder of the bundle can verify it; an
 * importer that wants more than integrity lists the keys it trusts.
 */

/** An Ed25519 public key as a JWK, with its key id. */
export interface PublicSigningKey {
  kty: 'OKP'
  crv: 'Ed25519'
  x: string
  kid: string
}

export interface BundleSigner {
  /** The public key and its id (the RFC 7638 thumbprint of the key). */
  publicKey(): Promise<PublicSigningKey>
  /** A compact JWS of `payload`, with `kid` and `jwk` in its protected header. */
  sign(payload: string): Promise<string>
}

/** PKCS #8 DER of an Ed25519 private key is this prefix followed by the 32-byte seed (RFC 8410 §7). */
const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex')

export function createBundleSigner(seed: Buffer): BundleSigner {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes')
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([ed25519Pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' })
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' })
  let identity: Promise<PublicSigningKey> | undefined
  const publicKey = () =>
    (identity ??= calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x }).then((kid) => ({ kty: 'OKP', crv: 'Ed25519', x: x!, kid })))
  return {
    publicKey,
    async sign(payload) {
      const { kid, ...jwk } = await publicKey()
      return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'EdDSA', kid, jwk }).sign(privateKey)
    },
  }
}

export type SignatureCheck =
  | { valid: true; key: PublicSigningKey; payload: string }
  | { valid: false; reason: string }

/**
 * Verifies a compact JWS with the public key its own header carries (alg EdDSA,
 * Ed25519 only), and says which key signed it. Whether that key is trusted is the
 * caller's question.
 */
export async function verifyWithEmbeddedKey(jws: string): Promise<SignatureCheck> {
  try {
    const { payload, protectedHeader } = await compactVerify(jws, EmbeddedJWK, { algorithms: ['EdDSA'] })
    const jwk = protectedHeader.jwk as JWK
    const { kid } = protectedHeader
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') return { valid: false, reason: 'its key is not an Ed25519 public key' }
    if (typeof kid !== 'string' || kid.length === 0) return { valid: false, reason: 'its header names no kid' }
    return { valid: true, key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid }, payload: new TextDecoder().decode(payload) }
  } catch {
    return { valid: false, reason: 'it does not verify with the public key in its header' }
  }
}
