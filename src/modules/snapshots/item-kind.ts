import type { TSchema } from '@sinclair/typebox'
import type { RawBuilder } from 'kysely'
import type { Database, SnapshotKind } from '../../db/database.ts'
import type { AutomationRewrite } from './reference-resolution.ts'

/**
 * One kind of item a snapshot captures (automation, prompt, pipeline, ...). The
 * engine reads nothing but this description: capture, plan, clone, the snapshot
 * views and their schemas, the counts and the fault-injection steps all walk the
 * list in item-kinds.ts. Adding a kind is a migration, its table types, one entry
 * in that list (a file in kinds/) and the feature module that edits the live rows.
 */
export interface ItemKind {
  /** The kind's name in plans, diffs and `?kind=` (SPEC §7). */
  readonly kind: string
  /** Which snapshots capture it: 'user' kinds are in both, 'org' kinds only in organization snapshots. */
  readonly scope: SnapshotKind
  /** Where the live rows are. */
  readonly liveTable: keyof Database
  /** Where the captured copies are, one set per snapshot version (`version_id`). */
  readonly snapshotTable: keyof Database
  /** Whose rows are captured: the source user's, or the source organization's. */
  readonly owner: 'user' | 'organization'
  /** The live column that identifies a row across captures; stored as the copy's `source_id`. */
  readonly sourceIdColumn: string
  /** The column that names an item to people (plans, diffs). */
  readonly nameColumn: string
  /** Content columns: copied as they are, live → snapshot, and (unless the clone says otherwise) back. */
  readonly columns: readonly string[]
  /** Further snapshot columns filled at capture: snapshot column → live column. */
  readonly captureAlso?: Readonly<Record<string, string>>
  /** The live column within which names are unique (default: the owner's, user_id or organization_id); a push reports collisions in it. */
  readonly nameScope?: string
  /** The live table has no updated_at column (a push sets it on the rows it changes otherwise). */
  readonly untimed?: boolean
  /**
   * The clone rewrites stage and agent references (CloneTarget.rewrites): a push
   * resolves them against the target as it is after the other kinds were written,
   * so it writes this kind last.
   */
  readonly resolvesReferences?: boolean
  /** The key of this kind in counts (`counts`, `cloned`, `skipped`). */
  readonly countKey: string
  /** Whether the snapshot summary's `counts` and an apply's `cloned` show this kind. */
  readonly counted: { readonly summary: boolean; readonly cloned: boolean }
  /** The apply body flag that switches the kind off (user kinds). */
  readonly applyFlag?: 'applyAutomations' | 'applyPrompts' | 'applyTemplates'
  /**
   * What a same-organization user apply does with it (SPEC §5.3): skip it, or clone
   * the selected items and, in the named step, grant the new user the others (prompts).
   */
  readonly sameOrganization?: 'skip' | { readonly grantStep: string }
  /** Cloned under ids chosen at plan time, because other rows of the apply point at them. */
  readonly idPlanned?: boolean
  /** The named executor step that writes it (the fault injector fails each in turn). */
  readonly step: string
  /** Listed item by item in a dry run's plan. */
  readonly listedInPlan: boolean
  /**
   * How GET /{kind}-snapshots/{id} shows the copies: under `field` of the snapshot
   * (or of the parent kind's copy whose source id is in the copy's `parent.column`),
   * in `orderBy` order, each as API field → snapshot column. Absent: not listed there.
   */
  readonly view?: {
    readonly field: string
    readonly orderBy: string
    readonly fields: Readonly<Record<string, string>>
    readonly parent?: { readonly kind: string; readonly column: string }
  }
  /**
   * Copies whose `flagColumn` is true show these API fields (of the view) as null to
   * readers who may not see hidden content (SPEC §10: hidden prompt text is for a
   * SUPERADMIN and the snapshot's own organization); an apply still clones them whole.
   */
  readonly hidden?: { readonly flagColumn: string; readonly fields: readonly string[] }
  /** The API schema of one copy. */
  readonly copySchema: TSchema
  /**
   * The set-based clone of every copy into the live table, as the pieces of one
   * INSERT ... SELECT over the copies `c`. Absent for kinds an apply does not copy
   * (credential names: values come from the request, never from a snapshot).
   */
  readonly clone?: (target: CloneTarget) => CloneStatement
}

/** Where and how an apply writes its copies. */
export interface CloneTarget {
  versionId: string
  /** The application this apply records (SPEC §7.3); every cloned row remembers it. */
  applicationId: string
  organizationId: string
  /** Owner of the user-level copies; null when the apply creates no user. */
  userId: string | null
  /** Null for an imported snapshot (its source organization is on another instance). */
  sourceOrgId: string | null
  /** Ids planned for rows other rows point at, per kind: source id → new id. */
  plannedIds: Readonly<Record<string, Readonly<Record<string, string>>>>
  /** How automations' stage and agent references change. */
  rewrites: readonly AutomationRewrite[]
  /** Only these items (by name) of the kind being cloned; null: all of them. */
  onlyNames: readonly string[] | null
}

export interface CloneStatement {
  /** Live column → value over the copy `c`; a content column not named here is copied as it is. */
  values: Readonly<Record<string, RawBuilder<unknown>>>
  /** Joins after `from <snapshot table> c`. */
  joins?: RawBuilder<unknown>
  /** Extra conditions (and-ed) on the copies cloned. */
  where?: RawBuilder<unknown>
}
