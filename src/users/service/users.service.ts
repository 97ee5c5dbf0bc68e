import { Injectable } from '@nestjs/common';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
import { isUniqueViolation } from '../../database/unique-violation.js';
import {
  aggregateStream,
  CommandHandler,
  EventStreams,
  UnitOfWork,
  type CommandResult,
  type StoredEvent,
} from '../../events/index.js';
import { User, userStreamId } from '../data/user.entity.js';
import { UsersRepository } from '../data/users.repository.js';
import type { UserChanges } from '../event/user-updated.event.js';
import { userDecider, type UserState } from './user.decider.js';
import {
  EmailTakenError,
  UserNotFoundError,
  UserVersionNotFoundError,
} from './user.errors.js';

export interface RegisterUser {
  email: string;
  name: string;
}

/** A user rebuilt from its stream, at the version it was rebuilt to. */
export type UserAtVersion = UserState & { version: number };

/**
 * Users are event-sourced (userDecider): each write runs a command against the user's stream
 * and commits the events together with the users row (the snapshot queries read) in one
 * transaction. Appends state the version the stream was read at, so concurrent writers cannot
 * interleave silently.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly commands: CommandHandler,
    private readonly streams: EventStreams,
    private readonly users: UsersRepository,
  ) {}

  register({ email, name }: RegisterUser): Promise<User> {
    const userId = uuidv7();
    const normalized = normalizeEmail(email);
    return this.uow.run(async (tx) => {
      const emailTaken = await this.users.isEmailTaken(tx, normalized);
      const registered = await this.commands.handle(
        tx,
        userDecider,
        userStreamId(userId),
        { type: 'RegisterUser', userId, email: normalized, name, emailTaken },
      );
      return this.saveSnapshot(registered, (row) => this.users.insert(tx, row));
    });
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new UserNotFoundError(id);
    return user;
  }

  /** The user as it was at `version`, rebuilt from its first `version` events. */
  async getAtVersion(id: string, version: number): Promise<UserAtVersion> {
    const rebuilt = await aggregateStream(this.streams, userStreamId(id), {
      ...userDecider,
      toVersion: version,
    });
    if (rebuilt.version === 0) throw new UserNotFoundError(id);
    if (rebuilt.version < version)
      throw new UserVersionNotFoundError(id, version, rebuilt.version);
    if (rebuilt.state.status === 'deleted')
      throw new UserNotFoundError(id, version);
    return { ...rebuilt.state, version: rebuilt.version };
  }

  /** Every event of the user's stream, oldest first; kept after the user is deleted. */
  async history(id: string): Promise<StoredEvent[]> {
    const events = await this.streams.read(userStreamId(id));
    if (events.length === 0) throw new UserNotFoundError(id);
    return events;
  }

  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.users.list(limit, offset);
  }

  /** Applies the fields that differ; an update that changes nothing records no event. */
  update(id: string, patch: UserChanges): Promise<User> {
    const email =
      patch.email === undefined ? undefined : normalizeEmail(patch.email);
    return this.uow.run(async (tx) => {
      await this.users.lock(tx, id);
      const emailTaken =
        email !== undefined && (await this.users.isEmailTaken(tx, email, id));
      const changed = await this.commands.handle(
        tx,
        userDecider,
        userStreamId(id),
        { type: 'ChangeUser', userId: id, email, name: patch.name, emailTaken },
      );
      if (changed.events.length === 0) return snapshotOf(changed);
      return this.saveSnapshot(changed, (row) => this.users.save(tx, row));
    });
  }

  remove(id: string): Promise<void> {
    return this.uow.run(async (tx) => {
      await this.users.lock(tx, id);
      await this.commands.handle(tx, userDecider, userStreamId(id), {
        type: 'DeleteUser',
        userId: id,
      });
      await this.users.remove(tx, id);
    });
  }

  /** Another instance may insert the same email between our check and our write. */
  private async saveSnapshot(
    result: CommandResult<UserState>,
    write: (row: User) => Promise<User>,
  ): Promise<User> {
    const row = snapshotOf(result);
    try {
      return await write(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError(row.email);
      throw error;
    }
  }
}

function snapshotOf({ state, version }: CommandResult<UserState>): User {
  return Object.assign(new User(), {
    id: state.id,
    email: state.email,
    name: state.name,
    version,
    createdAt: new Date(state.createdAt),
    updatedAt: new Date(state.updatedAt),
  });
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
