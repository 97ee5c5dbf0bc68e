import { Injectable } from '@nestjs/common';
import {
  OnDomainEvent,
  type StoredEvent,
  type TransactionalHandlerContext,
} from '../../events/index.js';
import { {{Item}} } from '../data/{{item}}.entity.js';
import { {{Item}}Created } from '../event/{{item}}-created.event.js';

/**
 * Reacts to every {{eventType}}, durably: the subscription ({{name}}.process) keeps a
 * checkpoint, retries a failure and parks an event that keeps failing. Transactional: the
 * update commits together with the checkpoint, so a crash can neither lose nor repeat it. The
 * update is idempotent, so a replay of the log changes nothing.
 */
@Injectable()
export class {{Item}}CreatedHandler {
  @OnDomainEvent({{Item}}Created, {
    name: '{{name}}.process',
    transactional: true,
  })
  async markProcessed(
    event: StoredEvent<{{Item}}Created>,
    { transaction }: TransactionalHandlerContext,
  ): Promise<void> {
    await transaction.manager.update(
      {{Item}},
      { id: event.data.{{itemCamel}}Id, status: 'created' },
      { status: 'processed' },
    );
  }
}
