import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { isUniqueViolation } from '../../database/unique-violation.js';
import { UnitOfWork, type Transaction } from '../../events/index.js';
import { User, userStreamId } from '../data/user.entity.js';
import { UsersRepository } from '../data/users.repository.js';
import { UserDeleted } from '../event/user-deleted.event.js';
import { UserRegistered } from '../event/user-registered.event.js';
import { UserUpdated, type UserChanges } from '../event/user-updated.event.js';
import { EmailTakenError, UserNotFoundError } from './user.errors.js';

export interface RegisterUser {
  email: string;
  name: string;
}

/**
 * Every write commits the user row and its event in one transaction (the event store is the
 * outbox): either both exist or neither. The row's `version` follows the user's stream, and each
 * append states the version it expects, so concurrent writers cannot interleave silently.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly users: UsersRepository,
  ) {}

  register({ email, name }: RegisterUser): Promise<User> {
    const normalized = normalizeEmail(email);
    return this.uow.run(async (tx) => {
      if (await this.users.findByEmail(tx, normalized))
        throw new EmailTakenError(normalized);
      const user = Object.assign(new User(), {
        id: uuidv7(),
        email: normalized,
        name,
        version: 1,
      });
      const saved = await this.saveUnique(tx, user);
      await tx.append(
        new UserRegistered({ userId: user.id, email: normalized, name }),
        {
          streamId: userStreamId(user.id),
          expectedVersion: 0,
        },
      );
      return saved;
    });
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new UserNotFoundError(id);
    return user;
  }

  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.users.list(limit, offset);
  }

  /** Applies the fields that differ; an update that changes nothing records no event. */
  update(id: string, patch: UserChanges): Promise<User> {
    return this.uow.run(async (tx) => {
      const user = await this.users.findForUpdate(tx, id);
      if (!user) throw new UserNotFoundError(id);
      const changes: UserChanges = {};
      if (
        patch.email !== undefined &&
        normalizeEmail(patch.email) !== user.email
      ) {
        changes.email = normalizeEmail(patch.email);
        if (await this.users.findByEmail(tx, changes.email))
          throw new EmailTakenError(changes.email);
      }
      if (patch.name !== undefined && patch.name !== user.name)
        changes.name = patch.name;
      if (Object.keys(changes).length === 0) return user;

      await tx.append(new UserUpdated({ userId: id, changes }), {
        streamId: userStreamId(id),
        expectedVersion: user.version,
      });
      Object.assign(user, changes, { version: user.version + 1 });
      return this.saveUnique(tx, user);
    });
  }

  remove(id: string): Promise<void> {
    return this.uow.run(async (tx) => {
      const user = await this.users.findForUpdate(tx, id);
      if (!user) throw new UserNotFoundError(id);
      await tx.append(new UserDeleted({ userId: id, email: user.email }), {
        streamId: userStreamId(id),
        expectedVersion: user.version,
      });
      await this.users.remove(tx, user);
    });
  }

  /** Another instance may insert the same email between our check and our write. */
  private async saveUnique(tx: Transaction, user: User): Promise<User> {
    try {
      return await this.users.save(tx, user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError(user.email);
      throw error;
    }
  }
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
