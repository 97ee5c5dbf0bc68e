import { describe, expect, it } from 'vitest';
import { eventRowOf, eventSelectColumns } from './event-row.js';
import { SqlDialect } from './sql-dialect.js';

describe('eventRowOf', () => {
  it('names the values of a row read as an array in the order eventSelectColumns selects them', () => {
    const columns = eventSelectColumns(new SqlDialect('sqlite')).split(', ');
    const row = eventRowOf(columns.map((column) => `value of ${column}`));
    expect(Object.entries(row)).toEqual(
      columns.map((column) => [column, `value of ${column}`]),
    );
  });
});
