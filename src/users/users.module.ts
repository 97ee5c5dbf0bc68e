import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READ_DATA_SOURCE } from '../database/read-data-source.js';
import { EventsModule, OwnedStreams } from '../events/index.js';
import { User, USER_STREAM_PREFIX } from './data/user.entity.js';
import { UsersRepository } from './data/users.repository.js';
import { UsersController } from './handler/users.controller.js';
import { UsersService } from './service/users.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    TypeOrmModule.forFeature([User], READ_DATA_SOURCE),
    EventsModule,
  ],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository],
})
export class UsersModule {
  // A user is rebuilt from its stream: only this module may write to it.
  constructor(streams: OwnedStreams) {
    streams.claim(USER_STREAM_PREFIX, 'the users module');
  }
}
