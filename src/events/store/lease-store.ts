import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface Lease {
  name: string;
  owner: string;
  /** Still within its term (by the database's clock). */
  live: boolean;
  renewedAt: string;
  expiresAt: string;
}

/**
 * Leases in `event_leases` (PostgreSQL only): a name held by one owner until it expires. Times
 * come from the database's clock, so instances need not agree on theirs. Runs on the writing
 * pool, outside the group-commit writer: a lease must be renewed even while the writer queues.
 */
@Injectable()
export class LeaseStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Takes `name` if it is free, expired or already ours; true when we hold it now. */
  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO event_leases (name, owner, acquired_at, renewed_at, expires_at)
       VALUES ($1, $2, now(), now(), now() + make_interval(secs => $3 / 1000.0))
       ON CONFLICT (name) DO UPDATE SET
         owner = EXCLUDED.owner,
         acquired_at = CASE WHEN event_leases.owner = EXCLUDED.owner THEN event_leases.acquired_at ELSE now() END,
         renewed_at = now(),
         expires_at = EXCLUDED.expires_at
       WHERE event_leases.owner = EXCLUDED.owner OR event_leases.expires_at < now()
       RETURNING name`,
      [name, owner, ttlMs],
    );
    return rows.length > 0;
  }

  /** Extends every lease `owner` still holds (expired or not: nobody took it); answers their names. */
  async renew(owner: string, ttlMs: number): Promise<Set<string>> {
    const rows = await this.returning<{ name: string }>(
      `UPDATE event_leases SET renewed_at = now(), expires_at = now() + make_interval(secs => $2 / 1000.0)
       WHERE owner = $1 RETURNING name`,
      [owner, ttlMs],
    );
    return new Set(rows.map((row) => row.name));
  }

  async release(name: string, owner: string): Promise<void> {
    await this.db.query(
      'DELETE FROM event_leases WHERE name = $1 AND owner = $2',
      [name, owner],
    );
  }

  async list(): Promise<Lease[]> {
    const rows: {
      name: string;
      owner: string;
      live: boolean;
      renewed_at: Date;
      expires_at: Date;
    }[] = await this.db.query(
      'SELECT name, owner, expires_at >= now() AS live, renewed_at, expires_at FROM event_leases ORDER BY name',
    );
    return rows.map((row) => ({
      name: row.name,
      owner: row.owner,
      live: row.live,
      renewedAt: row.renewed_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
    }));
  }

  /** Rows an UPDATE ... RETURNING answers (TypeORM's plain answer to an UPDATE is [rows, count]). */
  private async returning<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    const runner = this.db.createQueryRunner();
    try {
      const result: { records?: T[] } = await runner.query(
        sql,
        parameters,
        true,
      );
      return result.records ?? [];
    } finally {
      await runner.release();
    }
  }
}
