import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingEventBus } from '../../events/testing/index.js';
import { {{Item}} } from '../data/{{item}}.entity.js';
import { {{Item}}Created } from '../event/{{item}}-created.event.js';
import { {{Item}}NotFoundError } from './{{item}}.errors.js';
import { {{Names}}Service } from './{{name}}.service.js';

describe('{{Names}}Service', () => {
  let database: DataSource;
  let bus: RecordingEventBus;
  let service: {{Names}}Service;

  beforeEach(async () => {
    database = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [{{Item}}],
      synchronize: true,
    }).initialize();
    bus = new RecordingEventBus({ database });
    service = new {{Names}}Service(
      bus.unitOfWork,
      database.getRepository({{Item}}),
    );
  });
  afterEach(() => database.destroy());

  it('writes the row and publishes {{eventType}} as version 1 of its stream', async () => {
    const created = await service.create({ name: 'First' });

    expect(bus.published({{Item}}Created)).toMatchObject([
      {
        streamId: `{{item}}-${created.id}`,
        streamVersion: 1,
        data: { {{itemCamel}}Id: created.id, name: 'First' },
      },
    ]);
    expect(await service.get(created.id)).toMatchObject({
      id: created.id,
      name: 'First',
      status: 'created',
    });
  });

  it('publishes nothing when the row cannot be written', async () => {
    await database.query('DROP TABLE "{{table}}"');

    await expect(service.create({ name: 'Lost' })).rejects.toThrow();

    expect(bus.publishedCount()).toBe(0);
  });

  it('answers {{Item}}NotFoundError for an unknown id', async () => {
    await expect(
      service.get('0190f6c4-8d55-7cc1-a1c1-2f3e4d5c6b7a'),
    ).rejects.toThrow({{Item}}NotFoundError);
  });

  it('lists oldest first, a page at a time', async () => {
    const first = await service.create({ name: 'First' });
    const second = await service.create({ name: 'Second' });
    await service.create({ name: 'Third' });

    const [page, total] = await service.list(2, 0);

    expect(page.map((row) => row.id)).toEqual([first.id, second.id]);
    expect(total).toBe(3);
  });
});
