import fc from 'fast-check'

/**
 * fast-check arbitraries driven by the JSON schemas of /openapi.json: values that
 * satisfy a schema (best effort; an independent validator decides), and hostile
 * variations of them: wrong types, missing and extra fields at any depth, huge and
 * odd unicode strings, deep nesting, arrays for objects.
 */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  enum?: unknown[]
  pattern?: string
  format?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  minItems?: number
  maxItems?: number
  minProperties?: number
  nullable?: boolean
  allOf?: JsonSchema[]
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  $ref?: string
  [keyword: string]: unknown
}

/** Inlines `#/components/schemas/...` references of an OpenAPI document. */
export function resolveRefs(schema: unknown, components: Record<string, unknown>, seen: string[] = []): JsonSchema {
  if (Array.isArray(schema)) return schema.map((s) => resolveRefs(s, components, seen)) as unknown as JsonSchema
  if (schema === null || typeof schema !== 'object') return schema as JsonSchema
  const ref = (schema as JsonSchema).$ref
  if (typeof ref === 'string') {
    const name = ref.replace(/^#\/components\/schemas\//, '')
    if (seen.includes(name)) return {}
    return resolveRefs(components[name], components, [...seen, name])
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolveRefs(v, components, seen)]))
}

/** Strings that make parsers, validators and databases stumble. */
export const oddStrings = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\u202eevil\u202c',
  '\u200f\u05e9\u05dc\u05d5\u05dd\u200e',
  '\u0645\u0631\u062d\u0628\u0627',
  '\u200b\u200d\ufeff',
  'e\u0301\u0301\u0301',
  '\ud83d\udc69\u200d\ud83d\udc69\u200d\ud83d\udc67',
  '\u2028\u2029',
  '\u0085\u009f',
  '%00',
  '\\u0000',
  "'; drop table users; --",
  '{{firstName}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '$where',
  '__proto__',
  'constructor',
  'null',
  'true',
  '1e400',
  '-0',
  'NaN',
  '\t\r\n',
]

const oddString = fc.constantFrom(...oddStrings)

const hugeString = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 201, max: 5_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 3, arbitrary: fc.integer({ min: 50, max: 2_000 }).map((n) => '\u05e9\ud83d\ude00'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom(100_000, 600_000).map((n) => 'y'.repeat(n)) },
)

/** Arrays or objects nested `depth` levels around a leaf. */
export function nested(depth: number, leaf: unknown, kind: 'array' | 'object' | 'mixed'): unknown {
  let value = leaf
  for (let i = 0; i < depth; i++) {
    const asArray = kind === 'array' || (kind === 'mixed' && i % 2 === 0)
    value = asArray ? [value] : { a: value }
  }
  return value
}

const deepValue = fc
  .tuple(fc.constantFrom(31, 32, 33, 34, 64, 500, 3_000), fc.constantFrom<('array' | 'object' | 'mixed')[]>('array', 'object', 'mixed'))
  .map(([depth, kind]) => nested(depth, 'leaf', kind))

/** Any JSON-ish value of a random type (the "wrong type" replacements). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 2 ** 53, 1e308, -1e-308, 0.5),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  oddString,
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
)

const extraKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$where', 'role', 'organizationId', 'k'.repeat(300)),
  oddString,
)

export interface ValueHints {
  /** Extra candidates for strings with this pattern (e.g. real ids for the ObjectId pattern). */
  byPattern?: Record<string, readonly string[]>
}

const typeOf = (schema: JsonSchema): string => {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null') ?? 'any'
  if (schema.type) return schema.type
  return schema.properties ? 'object' : 'any'
}

const email = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9._-]{0,14}$/), fc.nat(10_000_000), fc.constantFrom('example.test', 'fuzz.example', 'b.co'))
  .map(([local, n, domain]) => `${local}${n}@${domain}`)

/** fc.stringMatching is costly to build: one per pattern. */
const byPattern = new Map<string, fc.Arbitrary<string>>()
function matching(pattern: string): fc.Arbitrary<string> {
  let arbitrary = byPattern.get(pattern)
  if (!arbitrary) byPattern.set(pattern, (arbitrary = fc.stringMatching(new RegExp(pattern))))
  return arbitrary
}

function stringValue(schema: JsonSchema, hints: ValueHints): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0
  const max = Math.min(schema.maxLength ?? 40, Math.max(min, 40))
  if (schema.format === 'email') return email
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
  if (schema.pattern) {
    const generated = matching(schema.pattern).filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Infinity))
    const known = hints.byPattern?.[schema.pattern]
    return known && known.length > 0 ? fc.oneof(fc.constantFrom(...known), generated) : generated
  }
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: min, maxLength: max }) },
    { weight: 2, arbitrary: fc.string({ minLength: min, maxLength: max, unit: 'grapheme' }) },
    { weight: 1, arbitrary: fc.string({ minLength: min, maxLength: max, unit: 'binary' }) },
  )
}

/** Values meant to satisfy `schema`. */
export function validValue(schema: JsonSchema, hints: ValueHints = {}): fc.Arbitrary<unknown> {
  if (schema.allOf) {
    const merged: JsonSchema = { type: 'object', properties: {}, required: [] }
    for (const part of schema.allOf) {
      Object.assign(merged.properties!, part.properties)
      merged.required!.push(...(part.required ?? []))
    }
    return validValue(merged, hints)
  }
  const alternatives = schema.anyOf ?? schema.oneOf
  if (alternatives) return fc.oneof(...alternatives.map((s) => validValue(s, hints)))
  let base: fc.Arbitrary<unknown>
  if (schema.enum) base = fc.constantFrom(...schema.enum)
  else {
    switch (typeOf(schema)) {
      case 'string':
        base = stringValue(schema, hints)
        break
      case 'integer':
        base = fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 })
        break
      case 'number':
        base = fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true })
        break
      case 'boolean':
        base = fc.boolean()
        break
      case 'array':
        base = fc.array(validValue(schema.items ?? {}, hints), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.min(schema.maxItems ?? 4, Math.max(schema.minItems ?? 0, 4)),
        })
        break
      case 'object':
        base = objectValue(schema, hints)
        break
      default:
        base = fc.jsonValue({ maxDepth: 3 })
    }
  }
  return schema.nullable ? fc.oneof({ weight: 5, arbitrary: base }, { weight: 1, arbitrary: fc.constant(null) }) : base
}

function objectValue(schema: JsonSchema, hints: ValueHints): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {}
  const required = schema.required ?? []
  const declared = fc.record(
    Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, validValue(s, hints)])),
    { requiredKeys: required.filter((k) => k in properties) },
  )
  const extra =
    typeof schema.additionalProperties === 'object'
      ? fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), validValue(schema.additionalProperties, hints), { maxKeys: 3 })
      : fc.constant({})
  const min = schema.minProperties ?? 0
  return fc
    .tuple(declared, extra)
    .map(([d, e]) => ({ ...e, ...d }))
    .filter((value) => Object.keys(value).length >= min)
}

type Path = (string | number)[]

/** Every path into a JSON value (the root is []). */
export function pathsOf(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path)
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...path, i], out))
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], out)
  }
  return out
}

/** A copy of `value` with the node at `path` replaced by `change(node)`; undefined removes it. */
export function updateAt(value: unknown, path: Path, change: (node: unknown) => unknown): unknown {
  if (path.length === 0) return change(value)
  const [head, ...rest] = path
  if (Array.isArray(value)) {
    const copy = [...value]
    const next = updateAt(copy[head as number], rest, change)
    if (next === undefined && rest.length === 0) copy.splice(head as number, 1)
    else copy[head as number] = next
    return copy
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  const next = updateAt(copy[head as string], rest, change)
  if (next === undefined && rest.length === 0) delete copy[head as string]
  else Object.defineProperty(copy, head as string, { value: next, enumerable: true, writable: true, configurable: true })
  return copy
}

type Mutation = (node: unknown) => fc.Arbitrary<unknown>

const mutations: Mutation[] = [
  // a value of another type
  () => anyJson,
  // removed (a missing field or array item)
  () => fc.constant(undefined),
  // an extra property (objects) or item (arrays)
  (node) =>
    node !== null && typeof node === 'object' && !Array.isArray(node)
      ? fc.tuple(extraKey, anyJson).map(([key, extra]) => {
          const copy: Record<string, unknown> = { ...(node as Record<string, unknown>) }
          Object.defineProperty(copy, key, { value: extra, enumerable: true, writable: true, configurable: true })
          return copy
        })
      : Array.isArray(node)
        ? anyJson.map((extra) => [...(node as unknown[]), extra])
        : anyJson,
  () => hugeString,
  () => oddString,
  (node) => fc.constantFrom(`${String(node)}\u0000`, `\u202e${String(node)}`, `${String(node)}\ud800`),
  () => deepValue,
  // an array where an object was, an object where an array was
  (node) => fc.constant(Array.isArray(node) ? Object.fromEntries(node.map((v, i) => [String(i), v])) : [node]),
  () => fc.constant(null),
]

/** A valid value with one node, anywhere in it, replaced by something hostile. */
export function mutatedValue(schema: JsonSchema, hints: ValueHints = {}): fc.Arbitrary<unknown> {
  return fc
    .tuple(validValue(schema, hints), fc.nat(), fc.nat(mutations.length - 1))
    .chain(([value, pick, which]) => {
      const paths = pathsOf(value)
      const path = paths[pick % paths.length]!
      let node: unknown = value
      for (const step of path) node = (node as Record<string | number, unknown>)[step]
      return mutations[which]!(node).map((replacement) => updateAt(value, path, () => replacement))
    })
}
