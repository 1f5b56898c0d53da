/**
 * Paces the consumer's fold-ins: at most one per user per `intervalMs`. A user's first interaction after a quiet
 * spell is folded in at once; interactions within the interval after that fold-in wait, and all of them are folded in
 * together once it ends. A user interacting every two seconds is folded in once per interval instead of once per
 * interaction, and one who rates a film now and then sees each rating at once.
 *
 * Only under load: while the process is asked for no more than `paceAbovePerSecond` fold-ins a second (a sliding
 * one-second window, the chunk at hand included), every user is folded in at once, a waiting one too. Pacing trades
 * a user's freshness for the worker's CPU, which only matters when there is much of it to save. The rate it looks at
 * is the consumer's input, which pacing does not lower (a consumer that is behind reads faster once paced, which only
 * keeps pacing on), so switching between the two does not oscillate.
 *
 * In memory, per process: the consumer's transaction marks a waiting user's list in rec_pending_lists as well, so a
 * fold-in this process forgets (a crash) is still computed by the store job once that marker is due.
 */
export class FoldInPacer {
  /** User → when they were last folded in, oldest first (re-inserted on each), only those within the interval. */
  private readonly last = new Map<string, number>();
  /** User → when their waiting fold-in is due. */
  private readonly due = new Map<string, number>();

  /** Users asked for in the current one-second window and in the one before it, and when the current one began. */
  private window = { start: Number.NEGATIVE_INFINITY, current: 0, previous: 0 };

  readonly intervalMs: number;
  readonly paceAbovePerSecond: number;

  /** `paceAbovePerSecond` 0: paced whatever the rate. */
  constructor(intervalMs: number, options: { paceAbovePerSecond?: number } = {}) {
    this.intervalMs = intervalMs;
    this.paceAbovePerSecond = options.paceAbovePerSecond ?? 0;
  }

  /** How many users wait for a fold-in. */
  get waiting(): number {
    return this.due.size;
  }

  /**
   * Which of these users (a consumed chunk's) to fold in now, and which wait: those folded in within the interval,
   * and those already waiting. The ones folded in now count as folded in at `now`.
   */
  split(userIds: readonly string[], now: number): { now: string[]; later: string[] } {
    this.prune(now);
    const out = { now: [] as string[], later: [] as string[] };
    if (this.rate(now, userIds.length) <= this.paceAbovePerSecond) {
      for (const u of userIds) {
        this.due.delete(u);
        this.touch(u, now);
        out.now.push(u);
      }
      return out;
    }
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

  /**
   * Fold-ins asked for over the last second, these `added` included: the previous window's count weighted by how much
   * of it the last second still covers, plus the current one's.
   */
  private rate(now: number, added: number): number {
    const w = this.window;
    const elapsed = now - w.start;
    if (elapsed >= 2000) this.window = { start: now, current: 0, previous: 0 };
    else if (elapsed >= 1000) this.window = { start: w.start + 1000, current: 0, previous: w.current };
    this.window.current += added;
    const covered = 1 - (now - this.window.start) / 1000;
    return this.window.previous * covered + this.window.current;
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
