import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { snakeCaseKeys } from '../../common/http/snake-case.js';
import { CreateWebhookDto } from './dto/create-webhook.dto.js';
import { WebhookService } from './webhook.service.js';
import { Roles } from '../../security/index.js';

@ApiTags('webhook subscriptions')
@Roles('admin')
@Controller('subscriptions')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post()
  @ApiOperation({
    summary:
      'Subscribe a URL: matching events are POSTed to it as CloudEvents, durably',
  })
  @ApiResponse({
    status: 201,
    description:
      'Created and delivering; `secret` is shown here and never again',
  })
  @ApiResponse({
    status: 400,
    description:
      'Invalid field, a URL host webhooks.allowed_hosts refuses, or a secret that is not whsec_',
  })
  @ApiResponse({
    status: 409,
    description:
      'The name is taken, webhooks.max_subscriptions is reached, or (in production) security.secret_key is not configured',
  })
  async create(@Body() dto: CreateWebhookDto): Promise<unknown> {
    return snakeCaseKeys(
      await this.webhooks.create({
        name: dto.name,
        pattern: dto.pattern,
        url: dto.url,
        mode: dto.mode,
        secret: dto.secret,
        startFrom: dto.start_from,
      }),
    );
  }

  @Get()
  @ApiOperation({ summary: 'Every webhook subscription with its progress' })
  async list(): Promise<unknown> {
    return snakeCaseKeys({ subscriptions: await this.webhooks.list() });
  }

  @Get(':name')
  @ApiOperation({ summary: 'One webhook subscription with its progress' })
  @ApiResponse({ status: 404, description: 'No such webhook subscription' })
  async get(@Param('name') name: string): Promise<unknown> {
    return snakeCaseKeys(await this.webhooks.get(name));
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Stop delivering and forget the subscription, its checkpoint and dead letters',
  })
  @ApiResponse({ status: 404, description: 'No such webhook subscription' })
  async remove(@Param('name') name: string): Promise<void> {
    await this.webhooks.remove(name);
  }
}
