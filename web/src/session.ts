import { useSyncExternalStore } from 'react'
import type { ResponseOf } from './api.ts'

export type SignedInUser = ResponseOf<'/api/auth/login', 'post'>['user']
export type Role = SignedInUser['accessRole']

export interface Session {
  token: string
  user: SignedInUser
  /** Milliseconds since the epoch when the token stops working (from its `exp` claim). */
  expiresAt: number | null
}

export type SignOutReason = 'signed-out' | 'expired'

/**
 * The signed-in session lives in sessionStorage (one browser tab, gone when the tab
 * closes). It ends on sign-out, on any 401 answer, and when the token's `exp` passes;
 * forms keep their drafts (see drafts.ts) so the user can sign in again and go on.
 */
const storageKey = 'tether.session'
const listeners = new Set<() => void>()
let current: Session | null = read()
let lastReason: SignOutReason | null = null
let expiryTimer: ReturnType<typeof setTimeout> | undefined

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(storageKey)
    const parsed = raw ? (JSON.parse(raw) as Session) : null
    if (parsed && parsed.expiresAt !== null && parsed.expiresAt <= Date.now()) {
      sessionStorage.removeItem(storageKey)
      lastReason = 'expired'
      return null
    }
    return parsed
  } catch {
    return null
  }
}

function tokenExpiry(token: string): number | null {
  try {
    const payload = token.split('.')[1] ?? ''
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown }
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null
  } catch {
    return null
  }
}

function publish(next: Session | null) {
  current = next
  clearTimeout(expiryTimer)
  if (next) {
    sessionStorage.setItem(storageKey, JSON.stringify(next))
    // Timers past ~24.8 days overflow; such a token is checked again on the next load.
    if (next.expiresAt !== null && next.expiresAt - Date.now() < 2 ** 31 - 1) {
      expiryTimer = setTimeout(() => session.expire(), Math.max(0, next.expiresAt - Date.now()))
    }
  } else {
    sessionStorage.removeItem(storageKey)
  }
  for (const listener of listeners) listener()
}

export const session = {
  get: () => current,
  /** Why the last session ended (shown on the sign-in screen). */
  lastReason: () => lastReason,
  signIn(token: string, user: SignedInUser) {
    lastReason = null
    publish({ token, user, expiresAt: tokenExpiry(token) })
  },
  signOut() {
    lastReason = 'signed-out'
    publish(null)
  },
  expire() {
    if (!current) return
    lastReason = 'expired'
    publish(null)
  },
  subscribe: (listener: () => void) => {
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  },
}

if (current) publish(current)

export function useSession(): Session | null {
  return useSyncExternalStore(session.subscribe, session.get)
}

/** What each role may do in the console (SPEC §3). */
export function permissions(user: SignedInUser) {
  const superadmin = user.accessRole === 'SUPERADMIN'
  const admin = superadmin || user.accessRole === 'ADMIN'
  return {
    userSnapshots: admin,
    orgSnapshots: superadmin,
    chooseTargetOrganization: superadmin,
    pickSourceOrganization: superadmin,
    assignOrganizations: superadmin,
    /** ADMIN: only on snapshots they created. */
    canManage: (snapshot: { createdBy: string | null }) => superadmin || (admin && snapshot.createdBy === user.id),
  }
}
