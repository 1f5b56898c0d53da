/** The creation time a UUIDv7 carries in its first 48 bits (Unix milliseconds). */
export function uuidv7Time(id: string): Date {
  return new Date(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16));
}

/** A session (refresh-token family, id = UUIDv7 made at login) ends this long after the login. */
export function sessionEndsAt(familyId: string, maxDays: number): Date {
  return new Date(uuidv7Time(familyId).getTime() + maxDays * 86_400_000);
}
