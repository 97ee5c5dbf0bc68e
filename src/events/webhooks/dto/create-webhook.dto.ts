import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { IsOmittable } from '../../../common/validation/is-omittable.decorator.js';
import { IsEventPattern } from '../../patterns/is-event-pattern.validator.js';
import { IsWebhookSecret } from './is-webhook-secret.validator.js';

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
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'Standard Webhooks signing secret: whsec_ and the base64 of 24 to 64 random bytes. ' +
      'Generated when absent; the 201 shows it, nothing else ever does.',
  })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  @IsWebhookSecret()
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
