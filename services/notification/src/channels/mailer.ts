import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { type Accepted, PermanentSendError } from './send-errors';

export interface OutgoingEmail {
  logId: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

export interface Mailer {
  /** smtp: through the configured server; mailbox: into the local folder the admin endpoint reads. */
  kind: 'smtp' | 'mailbox';
  send(mail: OutgoingEmail): Promise<Accepted>;
  close(): void;
}

/** Mail over SMTP (pooled connections) when a URL is configured. */
export function smtpMailer(url: string, from: string, poolSize: number): Mailer {
  const transport = nodemailer.createTransport({ url, pool: true, maxConnections: poolSize, maxMessages: Infinity });
  return {
    kind: 'smtp',
    async send(mail) {
      const info = await transport.sendMail({
        from,
        ...mail,
        headers: { ...mail.headers, 'X-Marquee-Log': mail.logId },
      });
      // A server that takes the message but refuses its only recipient will refuse it again.
      if (info.rejected.length > 0) throw new PermanentSendError(`recipient rejected: ${info.response}`);
      return { externalId: info.messageId };
    },
    close: () => transport.close(),
  };
}

/** One stored message of the local mailbox (beside it, `<id>.eml` is the raw message). */
export interface MailboxEntry {
  id: string;
  messageId: string;
  date: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Mail into a local folder, so the platform works with no mail account; file names are the log ids. */
export function mailboxMailer(dir: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'mailbox',
    async send(mail) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const info = await transport.sendMail({
        from,
        ...mail,
        headers: { ...mail.headers, 'X-Marquee-Log': mail.logId },
      });
      const entry: MailboxEntry = {
        id: mail.logId,
        messageId: info.messageId,
        date: new Date().toISOString(),
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      };
      await writeFile(path.join(dir, `${mail.logId}.eml`), info.message as Buffer, { mode: 0o600 });
      await writeFile(path.join(dir, `${mail.logId}.json`), JSON.stringify(entry), { mode: 0o600 });
      return { externalId: info.messageId };
    },
    close: () => transport.close(),
  };
}
