import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/**
 * An agent's prompt is a real reference: deleting the prompt (directly, or with
 * the user who owns it) leaves the agent without a prompt instead of pointing
 * at nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    update ai_agents set prompt_id = null
      where prompt_id is not null and not exists (select 1 from prompts where prompts.id = ai_agents.prompt_id);
    alter table ai_agents add constraint ai_agents_prompt_id_fkey
      foreign key (prompt_id) references prompts (id) on delete set null;
    create index ai_agents_prompt_idx on ai_agents (prompt_id);
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(db, `drop index ai_agents_prompt_idx; alter table ai_agents drop constraint ai_agents_prompt_id_fkey`)
}
