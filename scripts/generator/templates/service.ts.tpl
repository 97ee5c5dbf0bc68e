import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { uuidv7 } from '../../common/ids/uuid-v7.js';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { UnitOfWork } from '../../events/index.js';
import { {{Item}}, {{itemCamel}}StreamId } from '../data/{{item}}.entity.js';
import { {{Item}}Created } from '../event/{{item}}-created.event.js';
import { {{Item}}NotFoundError } from './{{item}}.errors.js';

export interface Create{{Item}} {
  name: string;
}

/**
 * Writes go through the unit of work: the row and the event that tells of it commit in one
 * transaction, so subscribers hear of every {{itemWords}} that exists and of no other. Reads
 * use the read connection.
 */
@Injectable()
export class {{Names}}Service {
  constructor(
    private readonly uow: UnitOfWork,
    @InjectRepository({{Item}}, READ_DATA_SOURCE)
    private readonly reads: Repository<{{Item}}>,
  ) {}

  create({ name }: Create{{Item}}): Promise<{{Item}}> {
    const id = uuidv7();
    return this.uow.run(async (tx) => {
      // Expected version 0: the stream must not exist yet, so an id is created once.
      await tx.append(new {{Item}}Created({ {{itemCamel}}Id: id, name }), {
        streamId: {{itemCamel}}StreamId(id),
        expectedVersion: 0,
      });
      const row = Object.assign(new {{Item}}(), {
        id,
        name,
        status: 'created',
        createdAt: new Date(),
      });
      await tx.manager.insert({{Item}}, row);
      return row;
    });
  }

  async get(id: string): Promise<{{Item}}> {
    const row = await this.reads.findOneBy({ id });
    if (!row) throw new {{Item}}NotFoundError(id);
    return row;
  }

  list(limit: number, offset: number): Promise<[{{Item}}[], number]> {
    return this.reads.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }
}
