import { Type } from 'class-transformer';
import {
  IsEmail,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { IsOmittable } from '../../common/validation/is-omittable.decorator.js';
import { DomainEvent } from '../../events/index.js';

export class UserChanges {
  @IsOmittable()
  @IsEmail()
  email?: string;

  @IsOmittable()
  @IsString()
  @Length(1, 200)
  name?: string;
}

/** Carries only the fields that changed. */
@DomainEvent('user.updated')
export class UserUpdated {
  @IsUUID()
  userId: string;

  @ValidateNested()
  @Type(() => UserChanges)
  changes: UserChanges;

  constructor(fields?: UserUpdated) {
    if (fields) Object.assign(this, fields);
  }
}
