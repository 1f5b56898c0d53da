import {
  RecommendationsGenerated,
  Topics,
  TrendingUpdated,
  UserDeleted,
  UserRegistered,
  UserUpdated,
} from '@marquee/contracts';
import { type EventConsumer, on, startEventConsumer } from '@marquee/platform-events';
import type { ServiceDeps } from '@marquee/platform-service';
import { alertOnNewPicks } from '../alerts/alert-on-new-picks';
import { alertOnTrending } from '../alerts/alert-on-trending';
import type { NotificationContext } from '../context';
import { onUserDeleted, onUserRegistered, onUserUpdated } from './recipients-from-users';

export const consumedTopics = [Topics.authUser, Topics.recommendation, Topics.analyticsTrending];

/** One consumer group `notification` over everything it reacts to; the handler list is the one place to look. */
export function startNotificationConsumer(deps: ServiceDeps, ctx: NotificationContext): Promise<EventConsumer> {
  return startEventConsumer({
    kafka: deps.kafka,
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    metrics: deps.metrics,
    groupId: ctx.config.CONSUMER_GROUP,
    topics: consumedTopics,
    handlers: [
      on(UserRegistered, onUserRegistered),
      on(UserUpdated, onUserUpdated),
      on(UserDeleted, onUserDeleted(ctx.mailboxDir)),
      on(RecommendationsGenerated, alertOnNewPicks(ctx.config)),
      on(TrendingUpdated, alertOnTrending(ctx.config)),
    ],
  });
}
