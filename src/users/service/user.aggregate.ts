import { AggregateRoot, type AppliedEvent } from '../../events/index.js';
import { userStreamId } from '../data/user.entity.js';
import { UserDeleted } from '../event/user-deleted.event.js';
import { UserRegistered } from '../event/user-registered.event.js';
import { UserUpdated, type UserChanges } from '../event/user-updated.event.js';

/**
 * A user as its event stream tells it. The users table is a snapshot of this state, written in
 * the same transaction as the events, for queries; the stream stays the source of truth, and
 * any past version can be rebuilt from it.
 */
export class UserAggregate extends AggregateRoot {
  id = '';
  email = '';
  name = '';
  deleted = false;
  /** Times of the first and the latest event applied. */
  createdAt = '';
  updatedAt = '';

  static register(userId: string, email: string, name: string): UserAggregate {
    const user = new UserAggregate(userStreamId(userId));
    user.raise(new UserRegistered({ userId, email, name }));
    return user;
  }

  get exists(): boolean {
    return this.version > 0 && !this.deleted;
  }

  /** Raises user.updated with the fields that differ; nothing when nothing changes. */
  change(patch: UserChanges): UserChanges {
    const changes: UserChanges = {};
    if (patch.email !== undefined && patch.email !== this.email)
      changes.email = patch.email;
    if (patch.name !== undefined && patch.name !== this.name)
      changes.name = patch.name;
    if (Object.keys(changes).length > 0)
      this.raise(new UserUpdated({ userId: this.id, changes }));
    return changes;
  }

  delete(): void {
    this.raise(new UserDeleted({ userId: this.id, email: this.email }));
  }

  protected when({ type, data, time }: AppliedEvent): void {
    switch (type) {
      case 'user.registered': {
        const { userId, email, name } = data as UserRegistered;
        Object.assign(this, { id: userId, email, name, createdAt: time });
        break;
      }
      case 'user.updated':
        Object.assign(this, (data as UserUpdated).changes);
        break;
      case 'user.deleted':
        this.deleted = true;
        break;
    }
    this.updatedAt = time;
  }
}
