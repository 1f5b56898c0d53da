import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { MailboxEntry } from './mailer';

const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The local mailbox's messages, newest first, one page at a time (without bodies). */
export async function listMailbox(dir: string, limit: number, offset: number) {
  const names = await readdir(dir).catch(() => [] as string[]);
  const entries = await Promise.all(
    names
      .filter((n) => n.endsWith('.json'))
      .map(async (n) => JSON.parse(await readFile(path.join(dir, n), 'utf8')) as MailboxEntry),
  );
  entries.sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
  return {
    total: entries.length,
    items: entries.slice(offset, offset + limit).map(({ text: _t, html: _h, ...head }) => head),
  };
}

/** One message with its text and HTML; undefined when there is none by that id. */
export async function showMailboxMessage(dir: string, id: string): Promise<MailboxEntry | undefined> {
  if (!ID_RE.test(id)) return undefined;
  try {
    return JSON.parse(await readFile(path.join(dir, `${id}.json`), 'utf8')) as MailboxEntry;
  } catch {
    return undefined;
  }
}

/** Removes the messages of erased logs: the local mailbox stands in for the recipient's and must forget them too. */
export async function removeMailboxMessages(dir: string, ids: string[]): Promise<void> {
  for (const id of ids.filter((i) => ID_RE.test(i))) {
    await rm(path.join(dir, `${id}.eml`), { force: true });
    await rm(path.join(dir, `${id}.json`), { force: true });
  }
}
