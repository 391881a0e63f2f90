import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeCursor, encodeCursor } from './cursor.ts'

describe('cursor codec', () => {
  it('round-trips every position, from 0 to the largest safe 15-digit one', () => {
    for (const seq of [0, 1, 9, 10, 12345, 2 ** 31, 999_999_999_999_999]) {
      const cursor = encodeCursor(seq)
      assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'URL-safe without escaping')
      assert.equal(decodeCursor(cursor), seq)
    }
  })

  it('refuses what it did not issue', () => {
    for (const forged of ['', 'abc', encodeCursor(1).slice(1), Buffer.from('s-1').toString('base64url'),
      Buffer.from('s1.5').toString('base64url'), Buffer.from('x12').toString('base64url'),
      Buffer.from('s1234567890123456').toString('base64url'), Buffer.from('s12 ').toString('base64url')]) {
      assert.equal(decodeCursor(forged), null, `"${forged}" is not a cursor`)
    }
  })
})
