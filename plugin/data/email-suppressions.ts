import type { EmailSuppression } from '../db/entities/index.js';
import type { SqlExecutor } from './executor.js';

type SuppressionReason = EmailSuppression['reason'];

/** Addresses are kept lower-case: an address is suppressed however a host or a provider writes it. */
export const suppressionKey = (address: string) => address.toLowerCase();

/** Why the address may not be emailed, or undefined when it may. */
export async function suppressionOf(db: SqlExecutor, address: string): Promise<SuppressionReason | undefined> {
  const [blocked] = await db.execute<Array<{ reason: SuppressionReason }>>(
    'select reason from tresta_email_suppressions where email = ?',
    [suppressionKey(address)],
  );
  return blocked?.reason;
}

const AMONG = `select email from tresta_email_suppressions where email in (select jsonb_array_elements_text(?::jsonb))`;

/** The suppressed ones among these addresses, by their suppressionKey. */
export async function suppressedAmong(db: SqlExecutor, addresses: string[]): Promise<Set<string>> {
  const rows = await db.execute<Array<{ email: string }>>(AMONG, [JSON.stringify(addresses.map(suppressionKey))]);
  return new Set(rows.map((row) => row.email));
}

const SUPPRESS = `
  insert into tresta_email_suppressions (email, reason) values (?, ?)
  on conflict (email) do nothing`;

/** Never email this address again (the first reason stays). */
export async function suppressAddress(db: SqlExecutor, address: string, reason: SuppressionReason): Promise<void> {
  await db.execute(SUPPRESS, [suppressionKey(address), reason], 'run');
}
