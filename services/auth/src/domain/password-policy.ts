/** Passwords people pick first; a short list, enough to refuse the obvious ones. */
const COMMON_PASSWORDS = new Set([
  '1234567890',
  '12345678910',
  '0123456789',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
  'qwertyuiop',
  'qwerty12345',
  'password12',
  'password123',
  'password1234',
  'passw0rd123',
  'p@ssw0rd12',
  'p@ssword123',
  'iloveyou123',
  'letmein1234',
  'welcome123',
  'welcome1234',
  'administrator',
  'admin12345',
  'abc1234567',
  'abcdefghij',
  'qwertyuiop1',
  'football123',
  'baseball123',
  'sunshine123',
  'princess123',
  'trustno1234',
  'monkey12345',
  'dragon12345',
  'superman123',
  'starwars123',
  'changeme123',
  'marquee123',
  'movies12345',
  'netflix123',
  'aaaaaaaaaa',
  'qazwsxedcrfv',
  'zaq12wsxcde',
  'asdfghjkl1',
  'q1w2e3r4t5',
  'summer2024',
  'winter2024',
]);

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export interface PasswordContext {
  username?: string | undefined;
  email?: string | undefined;
}

/** Reasons a password is refused; empty when it is acceptable. */
export function passwordProblems(password: string, ctx: PasswordContext = {}): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.length > PASSWORD_MAX_LENGTH) problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 2) problems.push('must mix at least two of lower case, upper case, digits and symbols');
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) problems.push('is a commonly used password');
  const username = ctx.username?.trim().toLowerCase();
  if (username && username.length >= 3 && lower.includes(username)) problems.push('must not contain the username');
  const local = ctx.email?.trim().toLowerCase().split('@')[0];
  if (local && local.length >= 3 && lower.includes(local)) problems.push('must not contain the email address');
  return problems;
}
