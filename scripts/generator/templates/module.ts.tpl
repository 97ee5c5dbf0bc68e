import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READ_DATA_SOURCE } from '../database/read-data-source.js';
import { EventsModule } from '../events/index.js';
import { {{Item}}, {{ITEM}}_STREAM_PREFIX } from './data/{{item}}.entity.js';
import { {{Item}}CreatedHandler } from './handler/{{item}}-created.handler.js';
import { {{Names}}Controller } from './handler/{{name}}.controller.js';
import { {{Names}}Service } from './service/{{name}}.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([{{Item}}]),
    TypeOrmModule.forFeature([{{Item}}], READ_DATA_SOURCE),
    // Streams {{item}}-<id> hold each {{itemWords}}'s events: only this module may write to them.
    EventsModule.forFeature({
      owner: 'the {{name}} module',
      streams: [{{ITEM}}_STREAM_PREFIX],
    }),
  ],
  controllers: [{{Names}}Controller],
  providers: [{{Names}}Service, {{Item}}CreatedHandler],
})
export class {{Names}}Module {}
