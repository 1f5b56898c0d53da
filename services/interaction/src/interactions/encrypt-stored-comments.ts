import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { FieldCipher } from '@marquee/platform-crypto';
import { sql } from 'drizzle-orm';
import { forAllUsers } from '../db/user-scope';
import { openComment, sealComment } from '../domain/feedback-comment';

const BATCH = 500;

interface StoredComment {
  id: number;
  userId: string;
  movieId: number;
  type: string;
  feedbackComment: string;
}

/**
 * Encrypts under the active key every stored comment that is not yet: plain text written before comments were
 * encrypted (migration 0004), or a comment under another key after INTERACTION_ENCRYPTION_ACTIVE_KID changed.
 * Runs at start before the service serves; replicas starting together split the rows (SKIP LOCKED). A comment
 * under a key the ring no longer lists stops the start, naming the key. Returns how many it wrote.
 */
export async function encryptStoredComments(database: Database, cipher: FieldCipher, logger: Logger): Promise<number> {
  const current = `v1:${cipher.activeKid}:`;
  let written = 0;
  for (;;) {
    const n = await forAllUsers(database.db, async (tx) => {
      const res = await tx.execute(sql`
        select u.id::int as id, u.user_id as "userId", u.movie_id as "movieId", u.interaction_type as type,
          u.feedback_comment as "feedbackComment"
        from user_movie_interactions u
        where u.feedback_type is not null -- a comment needs one: the partial feedback index, not a table scan
          and u.feedback_comment is not null and left(u.feedback_comment, ${current.length}) <> ${current}
        order by u.id limit ${BATCH} for update skip locked`);
      const rows = res.rows as unknown as StoredComment[];
      for (const stored of rows) {
        const sealed = sealComment(cipher, openComment(cipher, stored));
        await tx.execute(
          sql`update user_movie_interactions set feedback_comment = ${sealed.feedbackComment} where id = ${stored.id}`,
        );
      }
      return rows.length;
    });
    written += n;
    if (n < BATCH) break;
  }
  if (written > 0) {
    logger.info({ written, activeKid: cipher.activeKid }, 'feedback comments encrypted under the active key');
  }
  return written;
}
