/** `jane.doe@example.com` → `j***@example.com`: enough to tell addresses apart in a log, not to write to one. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** A device token shows only its last 4 characters. */
export function maskDeviceToken(token: string): string {
  return token.length <= 4 ? '***' : `***${token.slice(-4)}`;
}
