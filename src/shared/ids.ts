import { randomBytes } from 'node:crypto'

/**
 * 24-hex identifiers in MongoDB ObjectId layout (4-byte seconds, 5 random bytes,
 * 3-byte counter) so clients of the seed API keep working. The SQL function
 * object_id() makes ids of the same layout for server-side bulk copies, its five
 * middle bytes drawn once per database (migration 0007).
 */
const processRandom = randomBytes(5).toString('hex')
let counter = randomBytes(3).readUIntBE(0, 3)

export function newId(): string {
  counter = (counter + 1) % 0x1000000
  const seconds = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0')
  return seconds + processRandom + counter.toString(16).padStart(6, '0')
}

/** Any 24 hex characters; ids are stored lowercase and request ids are lowercased on the way in. */
export const objectIdPattern = '^[0-9a-fA-F]{24}$'
