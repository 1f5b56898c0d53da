/**
 * Paces the consumer's fold-ins: at most one per user per `intervalMs`. A user's first interaction after a quiet
 * spell is folded in at once; interactions within the interval after that fold-in wait, and all of them are folded in
 * together once it ends. A user interacting every two seconds is folded in once per interval instead of once per
 * interaction, and one who rates a film now and then sees each rating at once.
 *
 * In memory, per process: the consumer's transaction marks a waiting user's list in rec_pending_lists as well, so a
 * fold-in this process forgets (a crash) is still computed by the store job once that marker is due.
 */
export class FoldInPacer {
  /** User → when they were last folded in, oldest first (re-inserted on each), only those within the interval. */
  private readonly last = new Map<string, number>();
  /** User → when their waiting fold-in is due. */
  private readonly due = new Map<string, number>();

  readonly intervalMs: number;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** How many users wait for a fold-in. */
  get waiting(): number {
    return this.due.size;
  }

  /**
   * Which of these users (a consumed chunk's) to fold in now, and which wait: those folded in within the interval,
   * and those already waiting. The ones folded in now count as folded in at `now`.
   */
  split(userIds: Iterable<string>, now: number): { now: string[]; later: string[] } {
    this.prune(now);
    const out = { now: [] as string[], later: [] as string[] };
    for (const u of userIds) {
      const last = this.last.get(u);
      if (this.due.has(u)) out.later.push(u);
      else if (last !== undefined && now - last < this.intervalMs) {
        this.due.set(u, last + this.intervalMs);
        out.later.push(u);
      } else {
        this.touch(u, now);
        out.now.push(u);
      }
    }
    return out;
  }

  /** Up to `limit` waiting users whose fold-in is due at `now`, taken off the wait and counted as folded in at `now`. */
  takeDue(now: number, limit: number): string[] {
    const taken: string[] = [];
    for (const [u, at] of this.due) {
      if (taken.length === limit) break;
      if (at > now) continue;
      this.due.delete(u);
      this.touch(u, now);
      taken.push(u);
    }
    return taken;
  }

  /** Every waiting user, due or not (a stopping process folds them in before it goes). */
  takeAll(now: number): string[] {
    const all = [...this.due.keys()];
    this.due.clear();
    for (const u of all) this.touch(u, now);
    return all;
  }

  /** Users whose fold-in failed: due again at `now`. */
  putBack(userIds: string[], now: number): void {
    for (const u of userIds) this.due.set(u, now);
  }

  /** A deleted user: no fold-in of theirs waits any more. */
  forget(userId: string): void {
    this.last.delete(userId);
    this.due.delete(userId);
  }

  private touch(userId: string, at: number): void {
    this.last.delete(userId);
    this.last.set(userId, at);
  }

  /** Drops the fold-in times older than the interval (the map is in time order): they no longer hold anyone back. */
  private prune(now: number): void {
    for (const [u, at] of this.last) {
      if (now - at < this.intervalMs) break;
      this.last.delete(u);
    }
  }
}
