import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';

export class UpdateUserDto {
  @ApiPropertyOptional({ example: 'ada@example.org', maxLength: 320 })
  @IsOmittable()
  @IsEmail()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ example: 'Ada King', minLength: 1, maxLength: 200 })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  name?: string;
}
