import { IsEmail, IsString, IsUUID, Length } from 'class-validator';
import { DomainEvent } from '../../events/index.js';

@DomainEvent('user.registered')
export class UserRegistered {
  @IsUUID()
  userId: string;

  @IsEmail()
  email: string;

  @IsString()
  @Length(1, 200)
  name: string;

  constructor(fields?: UserRegistered) {
    if (fields) Object.assign(this, fields);
  }
}
