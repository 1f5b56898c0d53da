import type { RecommendationContext } from '../context';

/** Full retrains every `minutes` (0: never); a retrain still running skips that turn. */
export function scheduleRetrain(ctx: RecommendationContext, minutes: number): { stop(): void } {
  if (minutes === 0) return { stop() {} };
  const timer = setInterval(() => {
    ctx.store.train('schedule').catch((err: unknown) => ctx.logger.error({ err }, 'scheduled retrain failed'));
  }, minutes * 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
