import {
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { Roles } from '../../security/index.js';
import { {{Names}}Service } from '../service/{{name}}.service.js';
import { Create{{Item}}Dto } from './dto/create-{{item}}.dto.js';
import { {{Item}}Response } from './dto/{{item}}.response.js';
import { List{{Names}}Query } from './dto/list-{{name}}.query.js';

/** :id is a UUID, or the request is refused with 400 naming id. */
function idPipe(): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new InvalidInputError('id', 'id must be a UUID'),
  });
}

/**
 * Every route states who may call it, @Roles(...) or @Public(): the application refuses to start
 * with a route that does not (src/security/access.decorators.ts).
 */
@ApiTags('{{name}}')
@Controller('{{name}}')
export class {{Names}}Controller {
  constructor(private readonly service: {{Names}}Service) {}

  @Post()
  @Roles('publisher')
  @ApiOperation({ summary: 'Create {{aItem}} (publishes {{eventType}})' })
  @ApiResponse({ status: 201, type: {{Item}}Response })
  async create(@Body() dto: Create{{Item}}Dto): Promise<{{Item}}Response> {
    return {{Item}}Response.from(await this.service.create(dto));
  }

  @Get()
  @Roles('reader')
  @ApiOperation({ summary: '{{NamesWords}}, oldest first' })
  async list(@Query() query: List{{Names}}Query) {
    const [rows, total] = await this.service.list(query.limit, query.offset);
    return {
      {{namesSnake}}: rows.map((row) => {{Item}}Response.from(row)),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }

  @Get(':id')
  @Roles('reader')
  @ApiOperation({ summary: 'One {{itemWords}}' })
  @ApiResponse({ status: 200, type: {{Item}}Response })
  async get(@Param('id', idPipe()) id: string): Promise<{{Item}}Response> {
    return {{Item}}Response.from(await this.service.get(id));
  }
}
