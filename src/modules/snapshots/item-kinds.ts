import type { SnapshotKind } from '../../db/database.ts'
import type { ItemKind } from './item-kind.ts'
import { agentKind } from './kinds/agent.ts'
import { automationKind } from './kinds/automation.ts'
import { credentialNameKind } from './kinds/credential-name.ts'
import { dynamicPropertiesKind } from './kinds/dynamic-properties.ts'
import { pipelineKind } from './kinds/pipeline.ts'
import { promptKind } from './kinds/prompt.ts'
import { stageKind } from './kinds/stage.ts'
import { templateKind } from './kinds/template.ts'

/**
 * Every kind of item a snapshot captures, in the order an apply writes them:
 * a kind comes after the kinds its rows point at (stages after pipelines, agents
 * after the prompts they use). Plans list items in this order too.
 */
export const itemKinds: readonly ItemKind[] = [
  pipelineKind,
  stageKind,
  dynamicPropertiesKind,
  credentialNameKind,
  automationKind,
  promptKind,
  templateKind,
  agentKind,
]

/** The kinds a snapshot of this kind captures. */
export const kindsOf = (snapshotKind: SnapshotKind): readonly ItemKind[] =>
  snapshotKind === 'org' ? itemKinds : itemKinds.filter((k) => k.scope === 'user')

export function itemKind(kind: string): ItemKind {
  const found = itemKinds.find((k) => k.kind === kind)
  if (!found) throw new Error(`unknown item kind ${kind}`)
  return found
}
