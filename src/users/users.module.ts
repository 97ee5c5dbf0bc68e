import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READ_DATA_SOURCE } from '../database/read-data-source.js';
import { EventsModule } from '../events/index.js';
import { User, USER_STREAM_PREFIX } from './data/user.entity.js';
import { UsersRepository } from './data/users.repository.js';
import { UsersController } from './handler/users.controller.js';
import { UsersService } from './service/users.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    TypeOrmModule.forFeature([User], READ_DATA_SOURCE),
    // A user is rebuilt from its stream: only this module may write to it.
    EventsModule.forFeature({
      owner: 'the users module',
      streams: [USER_STREAM_PREFIX],
    }),
  ],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository],
})
export class UsersModule {}
