import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class Create{{Item}}Dto {
  @ApiProperty({ example: 'First', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;
}
