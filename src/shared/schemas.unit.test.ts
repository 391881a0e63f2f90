import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Type } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import { StringEnum, UpdateBodyOf } from './schemas.ts'

describe('UpdateBodyOf', () => {
  const Create = Type.Object(
    {
      name: Type.String({ minLength: 1 }),
      kind: Type.Optional(StringEnum(['a', 'b'], { default: 'a' })),
      enabled: Type.Optional(Type.Boolean({ default: true, description: 'On or off' })),
    },
    { additionalProperties: false },
  )
  const Update = UpdateBodyOf(Create, { description: 'Only the fields given change' })
  // The route validator fills in defaults, so an update body with defaults would reset fields.
  const validate = new Ajv({ useDefaults: true }).compile(Update)

  it('makes every field optional and fills in no default', () => {
    const body = { name: 'renamed' }
    assert.equal(validate(body), true)
    assert.deepEqual(body, { name: 'renamed' })
    assert.equal(validate({ enabled: false }), true)
  })

  it('keeps the field rules and the descriptions, and leaves the create body as it was', () => {
    assert.equal(validate({ name: '' }), false)
    assert.equal(validate({ kind: 'c' }), false)
    assert.equal(Update.properties.enabled.description, 'On or off')
    assert.equal(Update.description, 'Only the fields given change')
    assert.equal(Create.properties.enabled.default, true)
    assert.equal(Create.properties.kind.default, 'a')
  })

  it('rejects an empty body and unknown fields', () => {
    assert.equal(validate({}), false)
    assert.equal(validate({ name: 'x', other: 1 }), false)
  })
})
