import {
  RecommendationsGenerated,
  type Static,
  Topics,
  TrendingUpdated,
  UserDeleted,
  UserRegistered,
  UserUpdated,
} from '@marquee/contracts';
import type { EventConsumer, EventHandler, HandlerContext } from '@marquee/platform-events';
import { startEventConsumer } from '@marquee/platform-events';
import type { ServiceDeps } from '@marquee/platform-service';
import type { TSchema } from '@sinclair/typebox';
import { alertOnNewPicks } from '../alerts/alert-on-new-picks';
import { alertOnTrending } from '../alerts/alert-on-trending';
import type { NotificationContext } from '../context';
import { onUserDeleted, onUserRegistered, onUserUpdated } from './recipients-from-users';

export const consumedTopics = [Topics.authUser, Topics.recommendation, Topics.analyticsTrending];

const on =
  <S extends TSchema>(_def: { schema: S }, fn: (data: Static<S>, ctx: HandlerContext) => Promise<void>): EventHandler =>
  (event, ctx) =>
    fn(event.data as Static<S>, ctx);

/** One consumer group `notification` over everything it reacts to; the handler list is the one place to look. */
export function startNotificationConsumer(deps: ServiceDeps, ctx: NotificationContext): Promise<EventConsumer> {
  return startEventConsumer({
    kafka: deps.kafka,
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    groupId: ctx.config.CONSUMER_GROUP,
    topics: consumedTopics,
    handlers: {
      [UserRegistered.type]: on(UserRegistered, onUserRegistered),
      [UserUpdated.type]: on(UserUpdated, onUserUpdated),
      [UserDeleted.type]: on(UserDeleted, onUserDeleted(ctx.mailboxDir)),
      [RecommendationsGenerated.type]: on(RecommendationsGenerated, alertOnNewPicks(ctx.config)),
      [TrendingUpdated.type]: on(TrendingUpdated, alertOnTrending(ctx.config)),
    },
  });
}
