import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DeadLetterService } from '../dispatch/dead-letter.service.js';
import { ListDeadLettersQuery } from './dto/list-dead-letters.query.js';
import { snakeCaseKeys } from '../../common/http/snake-case.js';
import { Roles } from '../../security/index.js';

@ApiTags('dead letters')
@Roles('admin')
@Controller('events/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetterService) {}

  @Get()
  @ApiOperation({ summary: 'Parked events, filtered by subscription and type' })
  async list(@Query() query: ListDeadLettersQuery): Promise<unknown> {
    const page = await this.deadLetters.list({
      subscription: query.subscription,
      type: query.type,
      after: query.after,
      limit: query.limit,
    });
    return snakeCaseKeys({ deadLetters: page.deadLetters, next: page.next });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One parked event with its first and last error' })
  async get(@Param('id') id: string): Promise<unknown> {
    return snakeCaseKeys(await this.deadLetters.get(id));
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Deliver the parked event again, to its subscription only',
  })
  @ApiResponse({
    status: 200,
    description:
      'outcome: delivered (entry removed) or failed (entry kept, attempt counted)',
  })
  async retry(@Param('id') id: string): Promise<unknown> {
    return snakeCaseKeys(await this.deadLetters.retry(id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Discard a parked event' })
  async discard(@Param('id') id: string): Promise<void> {
    await this.deadLetters.discard(id);
  }
}
