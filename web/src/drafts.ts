import { useCallback, useEffect, useState } from 'react'

/**
 * Form state kept in sessionStorage, so a form survives an expired session: the
 * user signs in again and comes back to what they had typed. Secrets (any field
 * named password, and credential values) are never written to storage.
 */
const prefix = 'tether.draft.'
const secretKeys = new Set(['password', 'credentials'])

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !secretKeys.has(key))
      .map(([key, item]) => [key, withoutSecrets(item)]),
  )
}

function load<T extends object>(key: string, initial: T): T {
  try {
    const raw = sessionStorage.getItem(prefix + key)
    return raw ? { ...initial, ...(JSON.parse(raw) as Partial<T>) } : initial
  } catch {
    return initial
  }
}

export function useDraft<T extends object>(key: string, initial: T) {
  const [value, setValue] = useState<T>(() => load(key, initial))
  useEffect(() => {
    sessionStorage.setItem(prefix + key, JSON.stringify(withoutSecrets(value)))
  }, [key, value])
  const update = useCallback((patch: Partial<T>) => setValue((previous) => ({ ...previous, ...patch })), [])
  const clear = useCallback(() => {
    sessionStorage.removeItem(prefix + key)
    setValue(initial)
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `initial` is a fresh literal on every render
  }, [key])
  return [value, update, clear] as const
}

/** Drops every draft (explicit sign-out: the next user of this tab must not see them). */
export function clearDrafts() {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(prefix)) sessionStorage.removeItem(key)
}
