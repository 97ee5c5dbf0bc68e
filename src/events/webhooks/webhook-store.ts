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
  secret_ciphertext: string | null;
  start_from: string;
  created_at: string | Date;
}

const COLUMNS =
  'name, pattern, url, mode, secret_ciphertext, start_from, created_at';

/** A secret stored in plain text by an older version, waiting to be sealed. */
export interface PlaintextSecret {
  name: string;
  secret: string;
}

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

  async count(): Promise<number> {
    const [row]: { count: number | string }[] = await this.reader.query(
      'SELECT COUNT(*) AS count FROM webhook_subscriptions',
    );
    return Number(row.count);
  }

  /** How many webhooks have a secret, sealed or not yet. */
  async countSecrets(): Promise<number> {
    const [row]: { count: number | string }[] = await this.reader.query(
      'SELECT COUNT(*) AS count FROM webhook_subscriptions WHERE secret_ciphertext IS NOT NULL OR plaintext_secret IS NOT NULL',
    );
    return Number(row.count);
  }

  async listPlaintextSecrets(): Promise<PlaintextSecret[]> {
    const rows: { name: string; plaintext_secret: string }[] =
      await this.reader.query(
        'SELECT name, plaintext_secret FROM webhook_subscriptions WHERE plaintext_secret IS NOT NULL ORDER BY name',
      );
    return rows.map((row) => ({
      name: row.name,
      secret: row.plaintext_secret,
    }));
  }

  /** Replaces a plain-text secret by its sealed form, unless another instance did it first. */
  async sealPlaintextSecret(
    runner: QueryRunner,
    name: string,
    sealed: string,
  ): Promise<void> {
    await runner.query(
      this.dialect.sql(
        'UPDATE webhook_subscriptions SET secret_ciphertext = ?, plaintext_secret = NULL WHERE name = ? AND plaintext_secret IS NOT NULL',
      ),
      [sealed, name],
    );
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
        webhook.sealedSecret,
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
      sealedSecret: row.secret_ciphertext,
      startFrom: row.start_from === 'beginning' ? 'beginning' : 'now',
      createdAt: this.dialect.toIso(row.created_at),
    };
  }
}
