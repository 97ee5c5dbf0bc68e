import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FindOneOptions, Repository } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import type { Transaction } from '../../events/index.js';
import { User } from './user.entity.js';

/**
 * Reads outside a write go to the read connection; everything a write decides on is read
 * inside its transaction, so it sees the state it is about to change.
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
