import { sql, type Kysely } from 'kysely'

/**
 * Splits a SQL script into statements and runs them one by one. PGlite's
 * extended-protocol queries take one statement at a time, so migrations are
 * written as scripts and executed through this. Semicolons inside quotes,
 * dollar-quoted bodies and comments do not split.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = []
  let current = ''
  let i = 0
  while (i < script.length) {
    const rest = script.slice(i)
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest)
    if (dollar) {
      const end = script.indexOf(dollar[0], i + dollar[0].length)
      const stop = end === -1 ? script.length : end + dollar[0].length
      current += script.slice(i, stop)
      i = stop
    } else if (rest.startsWith('--')) {
      const end = script.indexOf('\n', i)
      i = end === -1 ? script.length : end
    } else if (script[i] === "'") {
      let j = i + 1
      while (j < script.length && !(script[j] === "'" && script[j + 1] !== "'")) j += script[j] === "'" ? 2 : 1
      current += script.slice(i, j + 1)
      i = j + 1
    } else if (script[i] === ';') {
      if (current.trim()) statements.push(current.trim())
      current = ''
      i++
    } else {
      current += script[i]
      i++
    }
  }
  if (current.trim()) statements.push(current.trim())
  return statements
}

export async function runScript(db: Kysely<unknown>, script: string): Promise<void> {
  for (const statement of splitStatements(script)) {
    await sql.raw(statement).execute(db)
  }
}
