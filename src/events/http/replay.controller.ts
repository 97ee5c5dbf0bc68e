import {
  Body,
  Controller,
  Delete,
  Get,
  Param,
  Post,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ReplayService } from '../replay/replay.service.js';
import { StartReplayDto } from './dto/start-replay.dto.js';
import { snakeCaseKeys } from '../../common/http/snake-case.js';
import { Roles } from '../../security/index.js';

@ApiTags('replay')
@Roles('admin')
@Controller('events/replay')
export class ReplayController {
  constructor(private readonly replays: ReplayService) {}

  @Post()
  @ApiOperation({
    summary:
      'Re-deliver stored events to ONE subscription (a range, or reset: rebuild from zero)',
  })
  @ApiResponse({ status: 202, description: 'Started: the job, to poll' })
  @ApiResponse({ status: 200, description: 'dry_run: what would be replayed' })
  @ApiResponse({
    status: 409,
    description: 'Not replayable, no reset hook, or a replay already running',
  })
  async start(
    @Body() dto: StartReplayDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const request = {
      subscription: dto.subscription,
      fromPosition: dto.from_position,
      toPosition: dto.to_position,
      since: dto.since,
      until: dto.until,
      types: dto.types,
      aggregateId: dto.aggregate_id,
      reset: dto.reset,
    };
    if (dto.dry_run) {
      const preview = await this.replays.preview(request);
      reply.status(200);
      return snakeCaseKeys({ dryRun: true, ...preview }, ['types']);
    }
    const job = await this.replays.start(request);
    reply.status(202).header('location', `/events/replay/${job.id}`);
    return snakeCaseKeys(job.toJSON());
  }

  @Get()
  @ApiOperation({ summary: 'Recent replays, newest first' })
  list(): unknown {
    return snakeCaseKeys({
      replays: this.replays.list().map((job) => job.toJSON()),
    });
  }

  @Get(':id')
  @ApiOperation({
    summary: 'A replay: state, progress (done/total, events/s), errors',
  })
  get(@Param('id') id: string): unknown {
    return snakeCaseKeys(this.replays.get(id).toJSON());
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Cancel a running range replay' })
  cancel(@Param('id') id: string): unknown {
    return snakeCaseKeys(this.replays.cancel(id).toJSON());
  }
}
