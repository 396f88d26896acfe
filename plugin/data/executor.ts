import type { AnyEntity, EntityData, QueryResult } from '@mikro-orm/postgresql';

/**
 * What a data module's statements run on, as the caller chooses: the ORM's connection (each
 * statement on its own) or an entity manager (inside its transaction when it is in one).
 */
export interface SqlExecutor {
  execute<T extends QueryResult | EntityData<AnyEntity> | EntityData<AnyEntity>[] = EntityData<AnyEntity>[]>(
    sql: string,
    params?: unknown[],
    method?: 'all' | 'get' | 'run',
  ): Promise<T>;
}

/** Runs a statement that answers no rows: how many rows it changed. */
export async function affectedRows(db: SqlExecutor, sql: string, params: unknown[]): Promise<number> {
  const result = await db.execute<{ affectedRows?: number }>(sql, params, 'run');
  return result.affectedRows ?? 0;
}
