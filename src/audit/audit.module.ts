import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READ_DATA_SOURCE } from '../database/read-data-source.js';
import { EventsModule } from '../events/index.js';
import { AuditEntry } from './data/audit-entry.entity.js';
import { AuditController } from './handler/audit.controller.js';
import { AuditLogHandler } from './handler/audit-log.handler.js';

@Module({
  imports: [
    EventsModule.forFeature(),
    TypeOrmModule.forFeature([AuditEntry]),
    TypeOrmModule.forFeature([AuditEntry], READ_DATA_SOURCE),
  ],
  controllers: [AuditController],
  providers: [AuditLogHandler],
})
export class AuditModule {}
