import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HandlerSpecification,
  RecordingEventBus,
} from '../../events/testing/index.js';
import { {{Item}} } from '../data/{{item}}.entity.js';
import { {{Item}}Created } from '../event/{{item}}-created.event.js';
import { {{Item}}CreatedHandler } from './{{item}}-created.handler.js';

const id = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a';
const otherId = '0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7b';

describe('{{Item}}CreatedHandler', () => {
  let database: DataSource;
  let bus: RecordingEventBus;

  beforeEach(async () => {
    database = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [{{Item}}],
      synchronize: true,
    }).initialize();
    bus = new RecordingEventBus({ database });
    for (const [rowId, name] of [
      [id, 'First'],
      [otherId, 'Second'],
    ])
      await database.manager.insert({{Item}}, {
        id: rowId,
        name,
        status: 'created',
        createdAt: new Date(),
      });
  });
  afterEach(() => database.destroy());

  const process = () =>
    HandlerSpecification.for(new {{Item}}CreatedHandler(), 'markProcessed', bus);
  const statuses = async () =>
    (await database.manager.find({{Item}}, { order: { id: 'ASC' } })).map(
      (row) => row.status,
    );

  it('marks the {{itemWords}} processed, and only it, publishing nothing', async () => {
    await process()
      .given(new {{Item}}Created({ {{itemCamel}}Id: id, name: 'First' }))
      .thenNothingPublished();

    expect(await statuses()).toEqual(['processed', 'created']);
  });

  it('changes nothing when the event is delivered again (a replay)', async () => {
    await process()
      .given(new {{Item}}Created({ {{itemCamel}}Id: id, name: 'First' }))
      .thenNothingPublished();
    await process()
      .given(new {{Item}}Created({ {{itemCamel}}Id: id, name: 'First' }))
      .thenNothingPublished();

    expect(await statuses()).toEqual(['processed', 'created']);
  });
});
