import { Test } from '@nestjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../../events/index.js';
import {
  provideRecordingEvents,
  RecordingEventBus,
} from '../../events/testing/index.js';
import type { User } from '../data/user.entity.js';
import { UsersRepository } from '../data/users.repository.js';
import { UserRegistered } from '../event/user-registered.event.js';
import {
  EmailTakenError,
  UserNotFoundError,
  UserVersionNotFoundError,
} from './user.errors.js';
import { UsersService } from './users.service.js';

/** The repository's contract, in memory: rows here, streams in the recording bus. */
class InMemoryUsersRepository {
  readonly rows = new Map<string, User>();
  /** Set to hide a stream's newest events from the next load, as a concurrent writer would. */
  hideNewest = 0;

  constructor(private readonly events: RecordingEventBus) {}

  async streamForUpdate(_tx: unknown, id: string) {
    if (!this.rows.has(id)) return null;
    const stream = (await this.history(id)).slice(
      0,
      this.hideNewest > 0 ? -this.hideNewest : undefined,
    );
    this.hideNewest = 0;
    return stream;
  }

  history(id: string, toVersion = Infinity) {
    return Promise.resolve(
      this.events.events.filter(
        (event) =>
          event.streamId === `user-${id}` &&
          (event.streamVersion ?? 0) <= toVersion,
      ),
    );
  }

  findById(id: string) {
    return Promise.resolve(this.copy(this.rows.get(id)));
  }

  findForUpdate(_tx: unknown, id: string) {
    return this.findById(id);
  }

  findByEmail(_tx: unknown, email: string) {
    const user = [...this.rows.values()].find((row) => row.email === email);
    return Promise.resolve(this.copy(user));
  }

  save(_tx: unknown, user: User) {
    const saved = { ...user, createdAt: new Date(), updatedAt: new Date() };
    this.rows.set(user.id, saved);
    return Promise.resolve({ ...saved });
  }

  remove(_tx: unknown, user: User) {
    this.rows.delete(user.id);
    return Promise.resolve();
  }

  private copy(user: User | undefined): User | null {
    return user ? { ...user } : null;
  }
}

describe('UsersService (no database: recording event bus)', () => {
  let service: UsersService;
  let events: RecordingEventBus;
  let users: InMemoryUsersRepository;

  beforeEach(async () => {
    events = new RecordingEventBus();
    users = new InMemoryUsersRepository(events);
    const module = await Test.createTestingModule({
      providers: [
        UsersService,
        ...provideRecordingEvents(events),
        { provide: UsersRepository, useValue: users },
      ],
    }).compile();
    service = module.get(UsersService);
  });

  it('publishes user.registered on the new stream at version 1', async () => {
    const user = await service.register({
      email: ' Ada@Example.com ',
      name: 'Ada',
    });

    expect(events.publishedCount(UserRegistered)).toBe(1);
    const [registered] = events.published<UserRegistered>('user.registered');
    expect(registered.streamId).toBe(`user-${user.id}`);
    expect(registered.streamVersion).toBe(1);
    expect(registered.data).toEqual({
      userId: user.id,
      email: 'ada@example.com',
      name: 'Ada',
    });
  });

  it('refuses a taken email and publishes nothing', async () => {
    await service.register({ email: 'ada@example.com', name: 'Ada' });

    await expect(
      service.register({ email: 'ADA@example.com', name: 'Other' }),
    ).rejects.toBeInstanceOf(EmailTakenError);
    expect(events.publishedCount()).toBe(1);
  });

  it('records only the changed fields and nothing for a no-op update', async () => {
    const user = await service.register({
      email: 'ada@example.com',
      name: 'Ada',
    });

    await service.update(user.id, { name: 'Ada' });
    expect(events.publishedCount('user.updated')).toBe(0);

    const updated = await service.update(user.id, {
      name: 'Ada King',
      email: 'ada@example.com',
    });
    expect(updated.version).toBe(2);
    const [change] = events.published('user.updated');
    expect(change.data).toEqual({
      userId: user.id,
      changes: { name: 'Ada King' },
    });
    expect(change.streamVersion).toBe(2);
  });

  it('refuses a write decided on a stale version and rolls its events back', async () => {
    const user = await service.register({
      email: 'ada@example.com',
      name: 'Ada',
    });
    await service.update(user.id, { name: 'Ada King' });
    users.hideNewest = 1; // loaded before the rename above was committed

    await expect(
      service.update(user.id, { name: 'Someone' }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(events.publishedCount('user.updated')).toBe(1);
  });

  it('rebuilds the user as it was at any version', async () => {
    const user = await service.register({
      email: 'ada@example.com',
      name: 'Ada',
    });
    await service.update(user.id, { name: 'Ada King' });
    await service.update(user.id, { email: 'countess@example.com' });

    const first = await service.getAtVersion(user.id, 1);
    const second = await service.getAtVersion(user.id, 2);
    expect([first.name, first.email, first.version]).toEqual([
      'Ada',
      'ada@example.com',
      1,
    ]);
    expect([second.name, second.email, second.version]).toEqual([
      'Ada King',
      'ada@example.com',
      2,
    ]);
    await expect(service.getAtVersion(user.id, 4)).rejects.toBeInstanceOf(
      UserVersionNotFoundError,
    );
  });

  it('publishes user.deleted and forgets the user', async () => {
    const user = await service.register({
      email: 'ada@example.com',
      name: 'Ada',
    });

    await service.remove(user.id);

    expect(events.published('user.deleted')[0].data).toEqual({
      userId: user.id,
      email: 'ada@example.com',
    });
    await expect(service.get(user.id)).rejects.toBeInstanceOf(
      UserNotFoundError,
    );
  });
});
