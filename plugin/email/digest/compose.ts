import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { logDigestDeliveries, renderedDigests } from '../../data/email-deliveries.js';
import { takeForDigests, takenByDigests } from '../../data/notifications.js';
import type { EmailChannel } from '../channel.js';
import { mailbox } from '../headers.js';
import { DIGEST_LIST_LIMIT, renderDigestEmail, type DigestEmailItem } from '../templates/digest-email.js';

/** What rendering a digest needs: the email channel and which types go by digest. */
export interface DigestComposer {
  orm: MikroORM;
  channel: EmailChannel;
  digestTypes: string[];
}

/** A digest row as the composer needs it: whose, which period. */
export interface DigestRow {
  id: string;
  userId: string;
  period: 'daily' | 'weekly';
  periodKey: string;
}

export type Recipient = { email: string; name?: string };

/** The digest's idempotency key: one per user and period, also the quota reservation's key. */
export const digestKey = (userId: string, periodKey: string) => `digest/${userId}/${periodKey}`;

/**
 * Takes each digest's notifications and renders its email into its delivery log row, in one
 * transaction, so a digest either has its notifications and its bytes or neither. A digest an
 * earlier attempt rendered keeps its bytes (a resumed run sends the same email under the same
 * Idempotency-Key). Answers the ids of the digests ready to send; one that took nothing (its
 * notifications deleted, or taken since) is not among them.
 */
export async function takeAndRender(
  composer: DigestComposer,
  digests: Array<{ row: DigestRow; recipient: Recipient }>,
  quotaDate: string,
): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const { channel } = composer;
  return composer.orm.em.fork().transactional(async (em: EntityManager) => {
    const rendered = new Set(
      await renderedDigests(
        em,
        digests.map(({ row }) => row.id),
      ),
    );
    const fresh = digests.filter(({ row }) => !rendered.has(row.id));
    if (fresh.length === 0) return rendered;
    await takeForDigests(
      em,
      fresh.map(({ row }) => row),
      composer.digestTypes,
    );
    const rows = await takenByDigests(
      em,
      fresh.map(({ row }) => row.id),
      DIGEST_LIST_LIMIT,
    );
    const listed = new Map<string, { items: DigestEmailItem[]; total: number }>();
    for (const { digest_run_id, title, message, link, total } of rows) {
      const entry = listed.get(digest_run_id) ?? { items: [], total };
      entry.items.push({ title, message, link });
      listed.set(digest_run_id, entry);
    }
    const ready = fresh.filter(({ row }) => listed.has(row.id));
    // Signing is asynchronous (WebCrypto): the chunk's links are signed side by side. A link's life
    // counts from this first rendering: the bytes are kept, and every attempt sends them.
    const renderedAt = new Date();
    const unsubscribeLinks = await Promise.all(
      ready.map(({ row }) => channel.unsubscribe.forUser(row.userId, { issuedAt: renderedAt })),
    );
    const deliveries = ready.map(({ row, recipient }, i) => {
      const { items, total } = listed.get(row.id)!;
      const email = renderDigestEmail({
        brand: channel.brand,
        appUrl: channel.appUrl,
        from: channel.from,
        to: mailbox(recipient),
        digestRunId: row.id,
        period: row.period,
        items,
        total,
        unsubscribe: unsubscribeLinks[i]!,
      });
      return {
        digestRunId: row.id,
        userId: row.userId,
        recipient: recipient.email,
        idempotencyKey: digestKey(row.userId, row.periodKey),
        content: email,
      };
    });
    await logDigestDeliveries(em, quotaDate, deliveries);
    return new Set([...rendered, ...ready.map(({ row }) => row.id)]);
  });
}
