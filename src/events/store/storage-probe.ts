import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { SqlDialect } from './sql-dialect.js';

/** The writer's test write: one row rewritten in the writer's own transaction. */
@Injectable()
export class StorageProbe {
  private readonly dialect: SqlDialect;

  constructor(@InjectDataSource(READ_DATA_SOURCE) reader: DataSource) {
    this.dialect = SqlDialect.of(reader);
  }

  async touch(runner: QueryRunner): Promise<void> {
    await runner.query(
      this.dialect.sql('UPDATE storage_probe SET touched_at = ? WHERE id = 1'),
      [new Date().toISOString()],
    );
  }
}
