import { Injectable, Logger } from '@nestjs/common';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
import {
  OnDomainEvent,
  type StoredEvent,
  type TransactionalHandlerContext,
} from '../../events/index.js';
import { UserRegistered } from '../../users/event/user-registered.event.js';
import { Notification } from '../data/notification.entity.js';

/**
 * Welcomes every new user. Transactional: the notification row commits together with the
 * subscription's checkpoint, so a crash can neither lose nor duplicate it. Not replayable:
 * replaying history must never welcome people again.
 */
@Injectable()
export class WelcomeHandler {
  private readonly logger = new Logger('Notifications');

  @OnDomainEvent(UserRegistered, {
    name: 'notifications.welcome',
    transactional: true,
    replayable: false,
  })
  async welcome(
    event: StoredEvent<UserRegistered>,
    { transaction }: TransactionalHandlerContext,
  ): Promise<void> {
    const { userId, email, name } = event.data;
    // Nothing reads the row back: insert() would select its created_at again after writing it.
    await transaction.manager
      .createQueryBuilder()
      .insert()
      .into(Notification)
      .values({
        id: uuidv7(),
        userId,
        channel: 'email',
        recipient: email,
        subject: `Welcome, ${name}!`,
        body: `Hello ${name}, your account is ready.`,
        eventId: event.id,
      })
      .updateEntity(false)
      .execute();
    // The address stays out of the log: the user id is enough to find the row.
    this.logger.log(`welcome message queued for user ${userId}`);
  }
}
