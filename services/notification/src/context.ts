import os from 'node:os';
import path from 'node:path';
import type { NatsConnection } from '@marquee/platform-bus';
import { FieldCipher } from '@marquee/platform-crypto';
import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import type { Registry } from '@marquee/platform-metrics';
import { apnsSender } from './channels/apns';
import { fcmSender, parseServiceAccount } from './channels/fcm';
import { type Mailer, mailboxMailer, smtpMailer } from './channels/mailer';
import { pushChannels, type SendPush } from './channels/push-channels';
import { webPushSender } from './channels/web-push';
import { contactClient, type FetchContacts } from './clients/contact-client';
import { type FetchTitles, movieTitles } from './clients/catalog-titles';
import { type FetchRecommendations, recommendationClient } from './clients/recommendation-client';
import type { NotificationConfig } from './config';
import { loadLinkKey, loadVapidKeys, type VapidKeys } from './db/service-keys';

/** What the use cases need, built once per process. */
export interface NotificationContext {
  config: NotificationConfig;
  database: Database;
  logger: Logger;
  /** The service's one registry, served at /metrics. */
  metrics: Registry;
  nats: NatsConnection;
  linkKey: Buffer;
  vapid: VapidKeys;
  mailer: Mailer;
  mailboxDir: string;
  sendPush: SendPush;
  fetchContacts: FetchContacts;
  fetchRecommendations: FetchRecommendations;
  fetchTitles: FetchTitles;
  close(): void;
}

export async function createNotificationContext(
  config: NotificationConfig,
  deps: { database: Database; logger: Logger; nats: NatsConnection; metrics: Registry },
): Promise<NotificationContext> {
  const cipher = FieldCipher.fromConfig(
    config.NOTIFICATION_ENCRYPTION_KEYS,
    config.NOTIFICATION_ENCRYPTION_ACTIVE_KID,
    {
      keys: 'NOTIFICATION_ENCRYPTION_KEYS',
      activeKid: 'NOTIFICATION_ENCRYPTION_ACTIVE_KID',
    },
  );
  const vapid = await loadVapidKeys(deps.database, cipher);
  const mailboxDir = config.MAILBOX_DIR || path.join(os.tmpdir(), 'marquee-mailbox');
  const mailer = config.SMTP_URL
    ? smtpMailer(config.SMTP_URL, config.MAIL_FROM, config.SMTP_POOL_SIZE)
    : mailboxMailer(mailboxDir, config.MAIL_FROM);
  const apns =
    config.APNS_KEY_PEM && config.APNS_KEY_ID && config.APNS_TEAM_ID && config.APNS_TOPIC
      ? apnsSender({
          url: config.APNS_URL,
          keyPem: config.APNS_KEY_PEM,
          keyId: config.APNS_KEY_ID,
          teamId: config.APNS_TEAM_ID,
          topic: config.APNS_TOPIC,
        })
      : undefined;
  const sendPush = pushChannels({
    web: webPushSender({
      keys: vapid,
      subject: config.WEB_PUSH_SUBJECT,
      allowedHosts: config.WEB_PUSH_ALLOWED_HOSTS.split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    }),
    ...(config.FCM_SERVICE_ACCOUNT_JSON
      ? { android: fcmSender(parseServiceAccount(config.FCM_SERVICE_ACCOUNT_JSON), config.FCM_BASE_URL) }
      : {}),
    ...(apns ? { ios: apns } : {}),
  });
  deps.logger.info(
    {
      mail: mailer.kind,
      ...(mailer.kind === 'mailbox' ? { mailboxDir } : {}),
      android: !!config.FCM_SERVICE_ACCOUNT_JSON,
      ios: !!apns,
    },
    'notification channels',
  );
  return {
    config,
    ...deps,
    linkKey: await loadLinkKey(deps.database, cipher, config.LINK_SIGNING_KEY),
    vapid,
    mailer,
    mailboxDir,
    sendPush,
    fetchContacts: contactClient(deps.nats, config.NATS_SUBJECT_PREFIX, config.CONTACT_TIMEOUT_MS),
    fetchRecommendations: recommendationClient(deps.nats, config.NATS_SUBJECT_PREFIX, config.RECOMMENDATION_TIMEOUT_MS),
    fetchTitles: movieTitles(config.CATALOG_URL, config.RECOMMENDATION_TIMEOUT_MS),
    close() {
      mailer.close();
      apns?.close();
    },
  };
}
