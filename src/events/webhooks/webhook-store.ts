import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { READ_DATA_SOURCE } from '../../database/read-data-source.js';
import { SqlDialect } from '../store/sql-dialect.js';
import type { Webhook, WebhookMode } from './webhook.js';

interface WebhookRow {
  name: string;
  pattern: string;
  url: string;
  mode: string;
  secret: string | null;
  start_from: string;
  created_at: string | Date;
}

const COLUMNS = 'name, pattern, url, mode, secret, start_from, created_at';

@Injectable()
export class WebhookStore {
  private readonly dialect: SqlDialect;

  constructor(
    @InjectDataSource(READ_DATA_SOURCE) private readonly reader: DataSource,
  ) {
    this.dialect = SqlDialect.of(reader);
  }

  async list(): Promise<Webhook[]> {
    const rows: WebhookRow[] = await this.reader.query(
      `SELECT ${COLUMNS} FROM webhook_subscriptions ORDER BY name`,
    );
    return rows.map((row) => this.fromRow(row));
  }

  async get(name: string): Promise<Webhook | null> {
    const rows: WebhookRow[] = await this.reader.query(
      this.dialect.sql(
        `SELECT ${COLUMNS} FROM webhook_subscriptions WHERE name = ?`,
      ),
      [name],
    );
    return rows.length > 0 ? this.fromRow(rows[0]) : null;
  }

  async insert(runner: QueryRunner, webhook: Webhook): Promise<void> {
    await runner.query(
      this.dialect.sql(
        `INSERT INTO webhook_subscriptions (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      [
        webhook.name,
        webhook.pattern,
        webhook.url,
        webhook.mode,
        webhook.secret,
        webhook.startFrom,
        webhook.createdAt,
      ],
    );
  }

  async delete(runner: QueryRunner, name: string): Promise<void> {
    await runner.query(
      this.dialect.sql('DELETE FROM webhook_subscriptions WHERE name = ?'),
      [name],
    );
  }

  private fromRow(row: WebhookRow): Webhook {
    return {
      name: row.name,
      pattern: row.pattern,
      url: row.url,
      mode: row.mode as WebhookMode,
      secret: row.secret,
      startFrom: row.start_from === 'beginning' ? 'beginning' : 'now',
      createdAt: this.dialect.toIso(row.created_at),
    };
  }
}
