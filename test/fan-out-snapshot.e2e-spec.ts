import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/index.js';
import { EventPattern } from '../src/events/patterns/event-pattern.js';
import { EventListing } from '../src/events/store/event-listing.js';
import type { EventQuery } from '../src/events/store/event-query.js';
import type { EventRow } from '../src/events/store/event-row.js';
import { SqlDialect } from '../src/events/store/sql-dialect.js';
import { useTestApp } from './support/test-app.js';

/**
 * A pattern page answered type by type (SQLite) reads the stored types in one statement and
 * the page in another. A commit can land between the two: here one is made to, with a row of
 * a type the first statement did not see, followed by a row of a type it did. The page must
 * not reach past the unseen row, or following its cursor would never list that row.
 */
describe('a pattern page answered type by type, with a commit between its reads', () => {
  const api = useTestApp();
  let reader: Database.Database;
  let writer: Database.Database;
  const earlier: string[] = [];

  beforeAll(async () => {
    const bus = api.app.get(EventBus);
    for (const stored of await bus.publish(
      ['a.failed', 'noise.tick', 'a.failed'].map((type) => ({ type })),
    ))
      if (stored.type === 'a.failed') earlier.push(stored.id);
    reader = new Database(api.databasePath, { readonly: true });
    writer = new Database(api.databasePath);
    writer.pragma('busy_timeout = 5000');
  });
  afterAll(() => {
    reader?.close();
    writer?.close();
  });

  /** Commits one event of `type` on a connection of its own; answers its position. */
  function commit(id: string, type: string): number {
    const time = new Date().toISOString();
    const result = writer
      .prepare(
        `INSERT INTO events (id, type, source, datacontenttype, time, correlation_id, metadata,
           recorded_at, time_high_water)
         VALUES (?, ?, '/snapshot', 'application/json', ?, ?, '{}', ?, ?)`,
      )
      .run(id, type, time, id, time, time);
    return Number(result.lastInsertRowid);
  }

  it('answers the log as of its type list and finds the later rows on the next read', async () => {
    let injected: { unseen: number; seen: number } | undefined;
    const read = <T>(sql: string, parameters: unknown[] = []): Promise<T[]> => {
      const rows = reader.prepare(sql).all(...parameters) as T[];
      if (injected === undefined && sql.includes('WITH RECURSIVE'))
        injected = {
          unseen: commit('late-unseen', 'b.failed'),
          seen: commit('late-seen', 'a.failed'),
        };
      return Promise.resolve(rows);
    };
    const head = () =>
      read<{ head: number }>('SELECT MAX(position) AS head FROM events').then(
        ([row]) => row.head,
      );
    const listing = new EventListing(read, new SqlDialect('sqlite'), head);
    const query: EventQuery = {
      type: EventPattern.parse('**.failed'),
      limit: 10,
      order: 'asc',
      maxBytes: 1024 * 1024,
    };
    const page = await listing.query(query, (row: EventRow) => row);
    expect(injected).toBeDefined();
    expect(page.events.map((row) => row.id)).toEqual(earlier);
    expect(page.next).toBeNull();

    const last = Number(page.events.at(-1)?.position);
    const following = await listing.query(
      { ...query, after: { txid: 0, position: last } },
      (row: EventRow) => row,
    );
    expect(following.events.map((row) => Number(row.position))).toEqual([
      injected?.unseen,
      injected?.seen,
    ]);
  });
});
