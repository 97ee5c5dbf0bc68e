import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { isUniqueViolation } from '../../database/unique-violation.js';
import {
  UnitOfWork,
  type StoredEvent,
  type Transaction,
} from '../../events/index.js';
import { User, userStreamId } from '../data/user.entity.js';
import { UsersRepository } from '../data/users.repository.js';
import type { UserChanges } from '../event/user-updated.event.js';
import { UserAggregate } from './user.aggregate.js';
import {
  EmailTakenError,
  UserNotFoundError,
  UserVersionNotFoundError,
} from './user.errors.js';

export interface RegisterUser {
  email: string;
  name: string;
}

/**
 * Users are event-sourced: each write rebuilds the user from its stream, lets the aggregate
 * decide which events happen, and commits those events together with the users row (the
 * snapshot queries read) in one transaction. Appends state the version the user was loaded at,
 * so concurrent writers cannot interleave silently.
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
      const user = UserAggregate.register(uuidv7(), normalized, name);
      await user.commit(tx);
      return this.saveSnapshot(tx, user);
    });
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new UserNotFoundError(id);
    return user;
  }

  /** The user as it was at `version`, rebuilt from its first `version` events. */
  async getAtVersion(id: string, version: number): Promise<UserAggregate> {
    const events = await this.users.history(id, version);
    if (events.length === 0) throw new UserNotFoundError(id);
    const user = UserAggregate.fromEvents(userStreamId(id), events);
    if (user.version < version)
      throw new UserVersionNotFoundError(id, version, user.version);
    if (user.deleted) throw new UserNotFoundError(id, version);
    return user;
  }

  /** Every event of the user's stream, oldest first; kept after the user is deleted. */
  async history(id: string): Promise<StoredEvent[]> {
    const events = await this.users.history(id);
    if (events.length === 0) throw new UserNotFoundError(id);
    return events;
  }

  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.users.list(limit, offset);
  }

  /** Applies the fields that differ; an update that changes nothing records no event. */
  update(id: string, patch: UserChanges): Promise<User> {
    return this.uow.run(async (tx) => {
      const user = await this.load(tx, id);
      const email =
        patch.email === undefined ? undefined : normalizeEmail(patch.email);
      const changes = user.change({ email, name: patch.name });
      if (
        changes.email !== undefined &&
        (await this.users.findByEmail(tx, changes.email))
      )
        throw new EmailTakenError(changes.email);
      if (user.pendingChanges.length === 0) return this.snapshotOf(user);
      await user.commit(tx);
      return this.saveSnapshot(tx, user);
    });
  }

  remove(id: string): Promise<void> {
    return this.uow.run(async (tx) => {
      const user = await this.load(tx, id);
      user.delete();
      await user.commit(tx);
      await this.users.remove(tx, this.snapshotOf(user));
    });
  }

  private async load(tx: Transaction, id: string): Promise<UserAggregate> {
    const events = await this.users.streamForUpdate(tx, id);
    const user = events && UserAggregate.fromEvents(userStreamId(id), events);
    if (!user?.exists) throw new UserNotFoundError(id);
    return user;
  }

  /** Another instance may insert the same email between our check and our write. */
  private async saveSnapshot(
    tx: Transaction,
    user: UserAggregate,
  ): Promise<User> {
    const row = this.snapshotOf(user);
    try {
      return await this.users.save(tx, row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError(row.email);
      throw error;
    }
  }

  private snapshotOf(user: UserAggregate): User {
    return Object.assign(new User(), {
      id: user.id,
      email: user.email,
      name: user.name,
      version: user.version,
      createdAt: new Date(user.createdAt),
      updatedAt: new Date(user.updatedAt),
    });
  }
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
