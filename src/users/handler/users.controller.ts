import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InvalidInputError } from '../../common/errors/domain-error.js';
import { CompiledBodyPipe } from '../../common/http/compiled-body.pipe.js';
import { toCloudEvent } from '../../events/index.js';
import { UsersService } from '../service/users.service.js';
import { GetUserQuery } from './dto/get-user.query.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { ListUsersQuery } from './dto/list-users.query.js';
import { UpdateUserDto } from './dto/update-user.dto.js';
import { UserResponse } from './dto/user.response.js';
import { Roles } from '../../security/index.js';

/** The DTO's shape without its class: keeps the global ValidationPipe off the route. */
type CreateUserBody = { [K in keyof CreateUserDto]: CreateUserDto[K] };

const createUserBody = new CompiledBodyPipe(CreateUserDto);

const UserId = () =>
  new ParseUUIDPipe({
    exceptionFactory: () => new InvalidInputError('id', 'id must be a UUID'),
  });

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Roles('publisher')
  @ApiOperation({ summary: 'Register a user (publishes user.registered)' })
  @ApiBody({ type: CreateUserDto })
  @ApiResponse({ status: 201, type: UserResponse })
  @ApiResponse({ status: 409, description: 'Email already registered' })
  async register(
    @Body(createUserBody) dto: CreateUserBody,
  ): Promise<UserResponse> {
    return UserResponse.from(await this.users.register(dto));
  }

  @Get()
  @Roles('reader')
  @ApiOperation({ summary: 'Users, oldest first' })
  async list(@Query() query: ListUsersQuery) {
    const [users, total] = await this.users.list(query.limit, query.offset);
    return {
      users: users.map(UserResponse.from),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }

  @Get(':id')
  @Roles('reader')
  @ApiOperation({
    summary: 'A user; with at_version, as it was at that version',
  })
  @ApiResponse({ status: 200, type: UserResponse })
  async get(
    @Param('id', UserId()) id: string,
    @Query() query: GetUserQuery,
  ): Promise<UserResponse> {
    if (query.at_version !== undefined) {
      return UserResponse.fromState(
        await this.users.getAtVersion(id, query.at_version),
      );
    }
    return UserResponse.from(await this.users.get(id));
  }

  @Get(':id/history')
  @Roles('reader')
  @ApiOperation({
    summary: "The user's events, oldest first (kept after a delete)",
  })
  async history(@Param('id', UserId()) id: string) {
    const events = await this.users.history(id);
    return {
      user_id: id,
      version: events[events.length - 1].streamVersion,
      events: events.map(toCloudEvent),
    };
  }

  @Patch(':id')
  @Roles('publisher')
  @ApiOperation({
    summary: 'Change email and/or name (publishes user.updated)',
  })
  @ApiResponse({ status: 200, type: UserResponse })
  async update(
    @Param('id', UserId()) id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserResponse> {
    return UserResponse.from(await this.users.update(id, dto));
  }

  @Delete(':id')
  @Roles('publisher')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user (publishes user.deleted)' })
  async remove(@Param('id', UserId()) id: string): Promise<void> {
    await this.users.remove(id);
  }
}
