import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FindOneOptions, Repository } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import {
  EventStreams,
  type StoredEvent,
  type Transaction,
} from '../../events/index.js';
import { User, userStreamId } from './user.entity.js';

/**
 * Users are event-sourced: the stream `user-<id>` is the source of truth, the users table its
 * snapshot for queries. Reads outside a write go to the read connection; everything a write
 * decides on is read inside its transaction, so it sees the state it is about to change.
 */
@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(User, READ_DATA_SOURCE)
    private readonly reads: Repository<User>,
    private readonly streams: EventStreams,
  ) {}

  /**
   * The user's events, read inside the write's transaction (after locking its row on
   * PostgreSQL); null when there is no such user.
   */
  async streamForUpdate(
    tx: Transaction,
    id: string,
  ): Promise<StoredEvent[] | null> {
    if (!(await this.findForUpdate(tx, id))) return null;
    return this.streams.read(userStreamId(id), { transaction: tx });
  }

  /** The user's events, oldest first, up to `toVersion` when given. */
  history(id: string, toVersion?: number): Promise<StoredEvent[]> {
    return this.streams.read(userStreamId(id), { toVersion });
  }

  findById(id: string): Promise<User | null> {
    return this.reads.findOneBy({ id });
  }

  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.reads.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  /**
   * On PostgreSQL the row is locked, so concurrent updates of one user queue up instead of
   * failing on the stream version; SQLite runs one write transaction at a time anyway and has
   * no row locks to take.
   */
  findForUpdate(tx: Transaction, id: string): Promise<User | null> {
    const options: FindOneOptions<User> = { where: { id } };
    if (tx.manager.connection.options.type === 'postgres')
      options.lock = { mode: 'pessimistic_write' };
    return tx.manager.findOne(User, options);
  }

  findByEmail(tx: Transaction, email: string): Promise<User | null> {
    return tx.manager.findOneBy(User, { email });
  }

  save(tx: Transaction, user: User): Promise<User> {
    return tx.manager.save(User, user);
  }

  async remove(tx: Transaction, user: User): Promise<void> {
    await tx.manager.delete(User, { id: user.id });
  }
}
