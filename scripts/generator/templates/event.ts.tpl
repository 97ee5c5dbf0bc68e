import { IsString, IsUUID, Length } from 'class-validator';
import { DomainEvent } from '../../events/index.js';

/**
 * The first event of {{aItem}}'s stream. Other modules may import this class (a module's
 * event/ folder is its published language) or subscribe by its type, '{{eventType}}', which is
 * what the log stores: rename the class freely, never the type.
 */
@DomainEvent('{{eventType}}')
export class {{Item}}Created {
  @IsUUID()
  {{itemCamel}}Id: string;

  @IsString()
  @Length(1, 200)
  name: string;

  constructor(fields?: {{Item}}Created) {
    if (fields) Object.assign(this, fields);
  }
}
