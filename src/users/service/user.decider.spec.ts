import { describe, expect, it } from 'vitest';
import { DeciderSpecification } from '../../events/testing/index.js';
import { UserDeleted } from '../event/user-deleted.event.js';
import { UserRegistered } from '../event/user-registered.event.js';
import { UserUpdated } from '../event/user-updated.event.js';
import { userDecider } from './user.decider.js';
import {
  EmailTakenError,
  UserAlreadyRegisteredError,
  UserNotFoundError,
} from './user.errors.js';

const userId = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';
const registered = new UserRegistered({
  userId,
  email: 'ada@example.com',
  name: 'Ada',
});
const change = (
  fields: { email?: string; name?: string },
  emailTaken = false,
) => ({ type: 'ChangeUser', userId, ...fields, emailTaken }) as const;

describe('userDecider', () => {
  const user = DeciderSpecification.for(userDecider, {
    streamId: `user-${userId}`,
  });

  describe('RegisterUser', () => {
    const register = (emailTaken: boolean) =>
      ({
        type: 'RegisterUser',
        userId,
        email: 'ada@example.com',
        name: 'Ada',
        emailTaken,
      }) as const;

    it('registers a new user at version 1', async () => {
      const { state, version } = await user
        .given([])
        .when(register(false))
        .then([registered]);

      expect(version).toBe(1);
      expect(state).toMatchObject({
        status: 'active',
        id: userId,
        email: 'ada@example.com',
        name: 'Ada',
      });
    });

    it('refuses an email another user has', () =>
      user.given([]).when(register(true)).thenThrows(EmailTakenError));

    it('registers a user once', () =>
      user
        .given([registered])
        .when(register(false))
        .thenThrows(UserAlreadyRegisteredError));
  });

  describe('ChangeUser', () => {
    it('records only the fields that differ', () =>
      user
        .given([registered])
        .when(change({ email: 'ada@example.com', name: 'Ada King' }))
        .then([new UserUpdated({ userId, changes: { name: 'Ada King' } })]));

    it('records nothing when nothing differs', async () => {
      const { version } = await user
        .given([registered])
        .when(change({ email: 'ada@example.com', name: 'Ada' }))
        .thenNothingHappened();

      expect(version).toBe(1);
    });

    it('refuses an email another user has', () =>
      user
        .given([registered])
        .when(change({ email: 'grace@example.com' }, true))
        .thenThrows(
          EmailTakenError,
          (error) => error.details.field === 'email',
        ));

    it('folds every change into the state', async () => {
      const { state, version } = await user
        .given([
          registered,
          new UserUpdated({ userId, changes: { name: 'Ada King' } }),
        ])
        .when(change({ email: 'countess@example.com' }))
        .then([
          new UserUpdated({
            userId,
            changes: { email: 'countess@example.com' },
          }),
        ]);

      expect(version).toBe(3);
      expect([state.name, state.email]).toEqual([
        'Ada King',
        'countess@example.com',
      ]);
    });

    it('refuses to change a user that was never registered', () =>
      user
        .given([])
        .when(change({ name: 'Nobody' }))
        .thenThrows(UserNotFoundError));

    it('refuses to change a deleted user', () =>
      user
        .given([
          registered,
          new UserDeleted({ userId, email: 'ada@example.com' }),
        ])
        .when(change({ name: 'Ghost' }))
        .thenThrows(UserNotFoundError));
  });

  describe('DeleteUser', () => {
    it('deletes a user, keeping its email in the event', async () => {
      const { state } = await user
        .given([registered])
        .when({ type: 'DeleteUser', userId })
        .then([new UserDeleted({ userId, email: 'ada@example.com' })]);

      expect(state.status).toBe('deleted');
    });

    it('deletes a user once', () =>
      user
        .given([
          registered,
          new UserDeleted({ userId, email: 'ada@example.com' }),
        ])
        .when({ type: 'DeleteUser', userId })
        .thenThrows(UserNotFoundError));
  });
});
