import { createHash } from 'node:crypto';
import { PostgreSqlConnection, type EntityManager, type Knex, type MikroORM } from '@mikro-orm/postgresql';

// Named prepared statements for the hot statements: Postgres parses a named statement once per
// session and, after a few runs, keeps its plan, where the ORM's plain path sends each statement
// with its values written in, to be parsed and planned again on every request.
//
// A statement runs named only on a node-postgres pool (not on PGlite) and outside a transaction:
// a named statement that fails aborts the transaction it runs in, and the plain path could not try
// again there. A transaction pooler (PgBouncer in transaction mode) hands each transaction
// whichever server session is free, so a statement prepared on one session is missing on the next
// or already there: the first such answer turns naming off for the ORM's pool, once, with a warning,
// and the statement runs again unnamed. It had not run: Postgres refuses it before executing it.

/** Where the switch to unnamed statements is reported (a Fastify or pino logger fits). */
export interface NamedStatementLog {
  warn: (details: object, message: string) => void;
}

interface Naming {
  on: boolean;
  log: NamedStatementLog | null;
}

// One state per MikroORM connection (one pool): every fork of an entity manager shares it.
const namingOf = new WeakMap<object, Naming>();

function namingFor(em: EntityManager): Naming {
  const connection = em.getConnection();
  let naming = namingOf.get(connection);
  if (!naming) {
    naming = { on: connection instanceof PostgreSqlConnection, log: null };
    namingOf.set(connection, naming);
  }
  return naming;
}

/** Reports on `log` when the ORM's pool turns out not to keep named statements. */
export function reportNamedStatementsOff(orm: MikroORM, log: NamedStatementLog): void {
  namingFor(orm.em).log = log;
}

/** Whether statements on this entity manager's pool still run named (false on PGlite and behind a transaction pooler). */
export function namedStatementsOn(em: EntityManager): boolean {
  return namingFor(em).on;
}

/**
 * The name a statement is prepared under: its label and a digest of its text, so a changed text
 * is a new statement (never a stale one of the same name, left in a pooled session by an older
 * version), and every variant of a statement built from parts has a name of its own.
 */
export function statementName(label: string, sql: string): string {
  return `tresta_${label}_${createHash('sha1').update(sql).digest('hex').slice(0, 12)}`;
}

// 26000: the session holds no statement of that name; 42P05: it holds one already (both: a
// transaction pooler's other session). 0A000 "cached plan must not change result type": a
// migration changed a column under a kept plan.
function notKept(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === '26000' ||
    code === '42P05' ||
    (code === '0A000' && typeof message === 'string' && message.includes('cached plan must not change result type'))
  );
}

/**
 * Runs `sql` (placeholders `?`, as for `em.execute`) with `values` as the named statement `label`
 * where that works, else through `em.execute`, in the entity manager's transaction when it is in
 * one. Answers the rows.
 */
export async function executeNamed<T extends object>(
  em: EntityManager,
  label: string,
  sql: string,
  values: readonly unknown[],
): Promise<T[]> {
  const naming = namingFor(em);
  if (!naming.on || em.getTransactionContext() !== undefined) return em.execute<T[]>(sql, [...values]);
  const connection = em.getConnection();
  try {
    await connection.ensureConnection();
    const result = await connection
      .getKnex()
      .raw<{ rows: T[] }>(sql, values as readonly Knex.RawBinding[])
      // knex hands these options to node-postgres' query config: a name makes it a prepared statement.
      .options({ name: statementName(label, sql) });
    return result.rows;
  } catch (error) {
    if (!notKept(error)) throw em.getDriver().convertException(error as Error);
    if (naming.on) {
      naming.on = false;
      naming.log?.warn(
        { code: (error as { code?: string }).code, reason: (error as Error).message },
        'tresta: the database connection does not keep named prepared statements (a transaction pooler?): statements run unnamed from now on',
      );
    }
    return em.execute<T[]>(sql, [...values]);
  }
}
