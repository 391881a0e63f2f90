import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction } from 'kysely'
import type { AccessRole } from '../shared/roles.ts'

/** Roles are shared vocabulary (shared/roles.ts); re-exported for the table types' users. */
export type { AccessRole }

/** Timestamps are written by the database (defaults) or as Date/ISO strings. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T> = ColumnType<T, string, string>
type JsonObject = Record<string, unknown>

export interface OrganizationsTable {
  id: Generated<string>
  name: string
  phone_number: string
  address: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface OrganizationCredentialsTable {
  organization_id: string
  name: string
  ciphertext: string
  value_hash: string
  /** Migration 0004: the value was shared under another name before values became unique (kept readable). */
  legacy_shared_value: Generated<boolean>
  updated_at: Timestamp
}

export interface DynamicPropertiesTable {
  id: Generated<string>
  organization_id: string
  type: string
  sections: Json<unknown[]>
  created_at: Timestamp
  updated_at: Timestamp
  origin_application_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_item_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_hash: ColumnType<string | null, string | null | undefined, string | null>
}

export interface UsersTable {
  id: Generated<string>
  organization_id: string
  email: string
  password_hash: string
  full_name: string
  phone_number: string | null
  designation: string | null
  access_role: AccessRole
  department_id: string | null
  login_disabled: Generated<boolean>
  /** Migration 0004: tokens carry it; disabling the user moves it on, revoking them. */
  token_generation: Generated<number>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface PipelinesTable {
  id: Generated<string>
  organization_id: string
  name: string
  description: string | null
  type: 'Contact' | 'Application'
  is_default: Generated<boolean>
  is_active: Generated<boolean>
  created_at: Timestamp
  updated_at: Timestamp
  origin_application_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_item_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_hash: ColumnType<string | null, string | null | undefined, string | null>
}

export interface PipelineStagesTable {
  id: Generated<string>
  pipeline_id: string
  organization_id: string
  name: string
  color: string
  position: number
  is_active: Generated<boolean>
  origin_application_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_item_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_hash: ColumnType<string | null, string | null | undefined, string | null>
}

export interface AiAgentsTable {
  id: Generated<string>
  organization_id: string
  name: string
  description: Generated<string>
  prompt_id: string | null
  created_at: Timestamp
  updated_at: Timestamp
  origin_application_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_item_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_hash: ColumnType<string | null, string | null | undefined, string | null>
}

export type TriggerType = 'inbound' | 'outbound' | 'all'

export interface AutomationsTable {
  id: Generated<string>
  organization_id: string
  user_id: string
  name: string
  description: Generated<string>
  event: string
  trigger_type: TriggerType
  source_statuses: Json<string[]>
  actions: Json<JsonObject>
  conditions: Json<JsonObject[]>
  max_transitions: number | null
  enabled: Generated<boolean>
  created_at: Timestamp
  updated_at: Timestamp
  origin_application_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_item_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_hash: ColumnType<string | null, string | null | undefined, string | null>
}

export interface PromptsTable {
  id: Generated<string>
  organization_id: string
  user_id: string
  name: string
  prompt: string
  description: string | null
  temperature: number | null
  response_time: number | null
  is_hidden: Generated<boolean>
  tools: Json<JsonObject[]>
  tool_configs: Json<JsonObject>
  copied_from: string | null
  copied_from_name: string | null
  copied_from_org: string | null
  created_at: Timestamp
  updated_at: Timestamp
  origin_application_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_item_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_hash: ColumnType<string | null, string | null | undefined, string | null>
}

export interface PromptGrantsTable {
  user_id: string
  prompt_id: string
  organization_id: string
  created_at: Timestamp
}

export type TemplateType = 'sms' | 'campaign' | 'script' | 'automation'

export interface TemplatesTable {
  id: Generated<string>
  organization_id: string
  user_id: string
  name: string
  template: string
  type: TemplateType
  category: string | null
  created_at: Timestamp
  updated_at: Timestamp
  origin_application_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_item_id: ColumnType<string | null, string | null | undefined, string | null>
  origin_hash: ColumnType<string | null, string | null | undefined, string | null>
}

export interface LoginFailuresTable {
  key: string
  failures: number
  window_started_at: Timestamp
}

export type SnapshotKind = 'user' | 'org'

export interface SnapshotsTable {
  id: Generated<string>
  seq: Generated<number>
  kind: SnapshotKind
  name: string
  description: string | null
  /** Null for an imported snapshot: its source lives on another instance. */
  source_org_id: string | null
  source_org_name: string
  source_user_id: string | null
  source_user_email: string
  source_user_name: string
  created_by: string
  created_by_name: string
  created_by_role: string
  is_global: Generated<boolean>
  assigned_org_ids: ColumnType<string[], string[] | undefined, string[]>
  /** The latest version: its number, its id, and its counts (copied here for listing). */
  version: Generated<number>
  version_id: string
  counts: ColumnType<ItemCounts, string | undefined, string>
  created_at: Timestamp
  updated_at: Timestamp
  /** Imported snapshots (SPEC §7.6): the exporting instance, its snapshot id and latest version imported; all null otherwise. */
  imported_from_instance: string | null
  imported_from_snapshot: string | null
  imported_from_version: number | null
  /** The organization whose member imported it (part of the import's identity). */
  imported_into_org: string | null
}

/** Items per kind, keyed like the API's counts (automations, prompts, pipelines, ...). */
export type ItemCounts = Record<string, number>

export interface SnapshotVersionsTable {
  id: Generated<string>
  snapshot_id: string
  version: number
  description: string | null
  counts: ColumnType<ItemCounts, string | undefined, string>
  source_org_name: string
  source_user_email: string
  source_user_name: string
  created_by: string
  created_by_name: string
  created_at: Timestamp
  /** Imported versions: the exporter's version number and the bundle's checksum. */
  imported_version: number | null
  bundle_checksum: string | null
}

export interface SnapshotAutomationsTable {
  version_id: string
  source_id: string
  name: string
  description: string
  event: string
  trigger_type: TriggerType
  source_statuses: Json<string[]>
  actions: Json<JsonObject>
  conditions: Json<JsonObject[]>
  max_transitions: number | null
  enabled: boolean
}

export interface SnapshotPromptsTable {
  version_id: string
  source_id: string
  name: string
  prompt: string
  description: string | null
  temperature: number | null
  response_time: number | null
  is_hidden: boolean
  tools: Json<JsonObject[]>
  tool_configs: Json<JsonObject>
}

export interface SnapshotTemplatesTable {
  version_id: string
  source_id: string
  name: string
  template: string
  type: TemplateType
  category: string | null
}

export type RefType = 'pipelineStage' | 'agent'

export interface SnapshotRefsTable {
  version_id: string
  position: number
  automation_name: string
  ref_type: RefType
  field: string
  field_location: string
  value: string
  agent_name: string | null
}

export interface SnapshotPipelinesTable {
  version_id: string
  source_id: string
  name: string
  description: string | null
  type: 'Contact' | 'Application'
  is_default: boolean
  is_active: boolean
}

export interface SnapshotStagesTable {
  version_id: string
  source_id: string
  source_pipeline_id: string
  name: string
  color: string
  position: number
  is_active: boolean
}

export interface SnapshotAgentsTable {
  version_id: string
  source_id: string
  name: string
  description: string
  prompt_id: string | null
}

export interface SnapshotDynamicPropertiesTable {
  version_id: string
  /** The type: it identifies the properties within their organization. */
  source_id: string
  type: string
  sections: Json<unknown[]>
}

export interface SnapshotCredentialNamesTable {
  version_id: string
  /** The credential's name: names identify credentials within an organization. */
  source_id: string
  name: string
}

export type JobTargetStatus = 'pending' | 'succeeded' | 'failed'

export interface JobsTable {
  id: Generated<string>
  seq: Generated<number>
  type: string
  /** The creator's organization: who may see the job. */
  organization_id: string
  created_by: string
  created_by_name: string
  params: ColumnType<JsonObject, string, string>
  created_at: Timestamp
}

export interface JobTargetsTable {
  job_id: string
  application_id: string
  position: number
  organization_id: string
  status: ColumnType<JobTargetStatus, JobTargetStatus | undefined, JobTargetStatus>
  error: ColumnType<JsonObject | null, string | null | undefined, string | null>
  changes: ColumnType<Record<string, number> | null, string | null | undefined, string | null>
  attempts: Generated<number>
  started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

export const auditActions = [
  'snapshot.created',
  'snapshot.version_created',
  'snapshot.assigned',
  'snapshot.deleted',
  'snapshot.applied',
  'snapshot.pushed',
  'snapshot.exported',
  'snapshot.imported',
] as const
export type AuditAction = (typeof auditActions)[number]

/** Migration 0009: the audit log (history: no foreign keys). */
export interface AuditEventsTable {
  id: Generated<string>
  seq: Generated<number>
  action: AuditAction
  snapshot_kind: SnapshotKind
  snapshot_id: string
  version: number | null
  actor_id: string
  actor_name: string
  actor_role: string
  organization_id: string
  target_organization_id: string | null
  application_id: string | null
  job_id: string | null
  details: Json<JsonObject>
  at: Timestamp
}

/** Migration 0010: stored answers of requests sent with an Idempotency-Key. */
export interface IdempotencyKeysTable {
  caller_id: string
  key: string
  fingerprint: string
  status_code: number
  body: string
  created_at: Timestamp
}

/** An apply that succeeded (SPEC §7.3): where a snapshot version was applied, by whom, how. */
export interface SnapshotApplicationsTable {
  id: Generated<string>
  seq: Generated<number>
  snapshot_id: string
  snapshot_kind: SnapshotKind
  snapshot_name: string
  version: number
  version_id: string
  target_organization_id: string
  target_organization_name: string
  user_id: string | null
  user_email: string | null
  applied_by: string
  applied_by_name: string
  applied_at: Generated<Date>
  counts: ColumnType<ItemCounts, string, string>
  mappings: ColumnType<JsonObject, string, string>
}

export interface Database {
  organizations: OrganizationsTable
  organization_credentials: OrganizationCredentialsTable
  dynamic_properties: DynamicPropertiesTable
  users: UsersTable
  pipelines: PipelinesTable
  pipeline_stages: PipelineStagesTable
  ai_agents: AiAgentsTable
  automations: AutomationsTable
  prompts: PromptsTable
  prompt_grants: PromptGrantsTable
  templates: TemplatesTable
  login_failures: LoginFailuresTable
  snapshots: SnapshotsTable
  snapshot_versions: SnapshotVersionsTable
  snapshot_credential_names: SnapshotCredentialNamesTable
  snapshot_automations: SnapshotAutomationsTable
  snapshot_prompts: SnapshotPromptsTable
  snapshot_templates: SnapshotTemplatesTable
  snapshot_refs: SnapshotRefsTable
  snapshot_pipelines: SnapshotPipelinesTable
  snapshot_stages: SnapshotStagesTable
  snapshot_agents: SnapshotAgentsTable
  snapshot_dynamic_properties: SnapshotDynamicPropertiesTable
  jobs: JobsTable
  job_targets: JobTargetsTable
  snapshot_applications: SnapshotApplicationsTable
  audit_events: AuditEventsTable
  instance_identity: InstanceIdentityTable
  idempotency_keys: IdempotencyKeysTable
}

/** The one row naming this installation in the bundles it exports. */
export interface InstanceIdentityTable {
  singleton: Generated<boolean>
  id: Generated<string>
  created_at: Generated<Timestamp>
}

/** Any executor: the database itself or an open transaction. */
export type Executor = Kysely<Database>
/** Functions that must run inside a transaction say so in their signature. */
export type Tx = Transaction<Database>

export type UserRow = Selectable<UsersTable>
export type NewUserRow = Insertable<UsersTable>
export type OrganizationRow = Selectable<OrganizationsTable>
