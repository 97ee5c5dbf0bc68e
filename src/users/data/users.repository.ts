import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FindOneOptions, Repository } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import type { Transaction } from '../../events/index.js';
import { User } from './user.entity.js';

/**
 * The users table: a snapshot of each user's stream (`user-<id>`, the source of truth), for
 * queries. Reads outside a write go to the read connection; everything a write decides on is
 * read inside its transaction, so it sees the state it is about to change.
 */
@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(User, READ_DATA_SOURCE)
    private readonly reads: Repository<User>,
  ) {}

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
   * On PostgreSQL the user's row is locked, so concurrent writes to one user queue up instead
   * of failing on the stream version; SQLite runs one write transaction at a time anyway and
   * has no row locks to take.
   */
  async lock(tx: Transaction, id: string): Promise<void> {
    if (tx.manager.connection.options.type !== 'postgres') return;
    const options: FindOneOptions<User> = {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    };
    await tx.manager.findOne(User, options);
  }

  /**
   * Whether a user other than `exceptId` has this (normalized) email. One statement written
   * out: TypeORM's existsBy builds it anew through its query builder on every call.
   */
  async isEmailTaken(
    tx: Transaction,
    email: string,
    exceptId?: string,
  ): Promise<boolean> {
    const postgres = tx.manager.connection.options.type === 'postgres';
    const rows: unknown[] =
      exceptId === undefined
        ? await tx.manager.query(
            `SELECT 1 FROM users WHERE email = ${postgres ? '$1' : '?'} LIMIT 1`,
            [email],
          )
        : await tx.manager.query(
            `SELECT 1 FROM users WHERE email = ${postgres ? '$1' : '?'} AND id <> ${postgres ? '$2' : '?'} LIMIT 1`,
            [email, exceptId],
          );
    return rows.length > 0;
  }

  /**
   * A new user's row, as given: save() would first look the id up to choose between INSERT
   * and UPDATE, then read the dates back, two statements a new id never needs.
   */
  async insert(tx: Transaction, user: User): Promise<User> {
    await tx.manager
      .createQueryBuilder()
      .insert()
      .into(User)
      .values(user)
      .updateEntity(false)
      .execute();
    return user;
  }

  save(tx: Transaction, user: User): Promise<User> {
    return tx.manager.save(User, user);
  }

  async remove(tx: Transaction, id: string): Promise<void> {
    await tx.manager.delete(User, { id });
  }
}
