import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { IsEventPattern } from '../../http/dto/validators.js';

/** POST /subscriptions: a webhook subscription. */
export class CreateWebhookDto {
  @ApiProperty({
    example: 'billing',
    description:
      'Unique; the durable subscription is named webhook.<name> (stats, dead letters, replay)',
  })
  @IsString()
  @Length(1, 100)
  @Matches(/^[a-z0-9]+([._-][a-z0-9]+)*$/, {
    message: "name must be lower-case words joined by '.', '_' or '-'",
  })
  name: string;

  @ApiProperty({
    example: 'order.*',
    description: '* one segment, ** one or more',
  })
  @IsString()
  @IsEventPattern()
  pattern: string;

  @ApiProperty({ example: 'https://hooks.example.com/events' })
  @IsString()
  @Length(1, 2048)
  url: string;

  @ApiPropertyOptional({
    enum: ['structured', 'binary'],
    default: 'structured',
    description: 'CloudEvents HTTP content mode of the deliveries',
  })
  @IsOmittable()
  @IsIn(['structured', 'binary'])
  mode?: 'structured' | 'binary';

  @ApiPropertyOptional({
    description:
      'Signs each delivery: X-Webhook-Signature-256: sha256=<hex HMAC-SHA256 of the body>. Never returned.',
    minLength: 16,
  })
  @IsOmittable()
  @IsString()
  @Length(16, 255)
  secret?: string;

  @ApiPropertyOptional({
    enum: ['now', 'beginning'],
    default: 'now',
    description: 'Deliver events from now on, or the whole log first',
  })
  @IsOmittable()
  @IsIn(['now', 'beginning'])
  start_from?: 'now' | 'beginning';
}
