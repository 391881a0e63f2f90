import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeCursor, decodeKeyCursor, encodeCursor, encodeKeyCursor } from './cursor.ts'

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

describe('key cursor codec', () => {
  it('round-trips text keys of any content, URL-safe', () => {
    for (const key of [['', ''], ['Automation 000001', '665f1a0c0e0a4b001a2c9f80'], ['naïve "quoted" \\ name ✓', 'x']]) {
      const cursor = encodeKeyCursor('automation', key)
      assert.match(cursor, /^[A-Za-z0-9_-]+$/)
      assert.deepEqual(decodeKeyCursor(cursor, 'automation', 2), key)
    }
  })

  it('refuses cursors of another scope, another arity, or not issued here', () => {
    const cursor = encodeKeyCursor('automation', ['a', 'b'])
    assert.equal(decodeKeyCursor(cursor, 'prompt', 2), null)
    assert.equal(decodeKeyCursor(cursor, 'automation', 1), null)
    assert.equal(decodeKeyCursor(encodeCursor(5), 'automation', 2), null)
    for (const forged of ['', '!!', Buffer.from('["k","automation",1,"b"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
      assert.equal(decodeKeyCursor(forged, 'automation', 2), null, forged)
    }
  })
})
