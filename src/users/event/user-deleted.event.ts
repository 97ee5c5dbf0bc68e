import { IsEmail, IsUUID } from 'class-validator';
import { DomainEvent } from '../../events/index.js';

@DomainEvent('user.deleted')
export class UserDeleted {
  @IsUUID()
  userId: string;

  @IsEmail()
  email: string;

  constructor(fields?: UserDeleted) {
    if (fields) Object.assign(this, fields);
  }
}
