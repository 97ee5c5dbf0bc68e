import type { Decider, StoredEvent } from '../../events/index.js';
import { UserDeleted } from '../event/user-deleted.event.js';
import { UserRegistered } from '../event/user-registered.event.js';
import { UserUpdated, type UserChanges } from '../event/user-updated.event.js';
import {
  EmailTakenError,
  UserAlreadyRegisteredError,
  UserNotFoundError,
} from './user.errors.js';

/**
 * A user as its event stream tells it. The users table is a snapshot of this state, written in
 * the same transaction as the events, for queries; the stream stays the source of truth, and
 * any past version can be rebuilt from it.
 */
export interface UserState {
  status: 'unregistered' | 'active' | 'deleted';
  id: string;
  email: string;
  name: string;
  /** Times of the first and the latest event. */
  createdAt: string;
  updatedAt: string;
}

/**
 * What may be asked of a user. Emails are normalized by the caller; whether another user holds
 * one is looked up by the caller in the same transaction (`emailTaken`), since the decision
 * sees this user's stream only.
 */
export type UserCommand =
  | {
      type: 'RegisterUser';
      userId: string;
      email: string;
      name: string;
      emailTaken: boolean;
    }
  | {
      type: 'ChangeUser';
      userId: string;
      email?: string;
      name?: string;
      emailTaken: boolean;
    }
  | { type: 'DeleteUser'; userId: string };

export const userDecider: Decider<UserState, UserCommand> = {
  initialState: () => ({
    status: 'unregistered',
    id: '',
    email: '',
    name: '',
    createdAt: '',
    updatedAt: '',
  }),

  evolve(state: UserState, { type, data, time }: StoredEvent): UserState {
    switch (type) {
      case 'user.registered': {
        const { userId, email, name } = data as UserRegistered;
        return {
          status: 'active',
          id: userId,
          email,
          name,
          createdAt: time,
          updatedAt: time,
        };
      }
      case 'user.updated':
        return { ...state, ...(data as UserUpdated).changes, updatedAt: time };
      case 'user.deleted':
        return { ...state, status: 'deleted', updatedAt: time };
      default:
        return { ...state, updatedAt: time };
    }
  },

  decide(command: UserCommand, state: UserState) {
    if (command.type === 'RegisterUser') {
      const { userId, email, name, emailTaken } = command;
      if (state.status !== 'unregistered')
        throw new UserAlreadyRegisteredError(userId);
      if (emailTaken) throw new EmailTakenError(email);
      return new UserRegistered({ userId, email, name });
    }
    if (state.status !== 'active') throw new UserNotFoundError(command.userId);
    if (command.type === 'DeleteUser')
      return new UserDeleted({ userId: state.id, email: state.email });
    return changeUser(state, command);
  },
};

/** user.updated with the fields that differ; nothing when nothing changes. */
function changeUser(
  state: UserState,
  { email, name, emailTaken }: Extract<UserCommand, { type: 'ChangeUser' }>,
): UserUpdated[] {
  const changes: UserChanges = {};
  if (email !== undefined && email !== state.email) {
    if (emailTaken) throw new EmailTakenError(email);
    changes.email = email;
  }
  if (name !== undefined && name !== state.name) changes.name = name;
  if (Object.keys(changes).length === 0) return [];
  return [new UserUpdated({ userId: state.id, changes })];
}
