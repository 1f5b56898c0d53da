/** A send that can never succeed as is (unknown recipient, revoked token, channel off): no retry. */
export class PermanentSendError extends Error {}

/** What a provider gave back for an accepted message. */
export interface Accepted {
  /** The provider's id: SMTP Message-ID, FCM message name, apns-id, Web Push Location. */
  externalId: string;
}
