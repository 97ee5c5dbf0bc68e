#!/usr/bin/env node
// `npm run migration:create -- <module> <name>`: writes an empty migration, named by the time it
// was created, where the application collects it (src/database/migration-collector.ts):
//
//   npm run migration:create -- users add-user-phone
//     -> src/users/data/migrations/<Date.now()>-add-user-phone.ts, class AddUserPhone<timestamp>
//   npm run migration:create -- events/store add-transaction-ids
//     -> src/events/store/migrations/<Date.now()>-add-transaction-ids.ts
//
// The new file does not pass `npm run lint` until up() and down() do something: an empty
// migration would be recorded as applied and its later content would never run anywhere.
// --root <folder> writes under another source folder than src/ (the tests use a copy).
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MODULE = /^[a-z][a-z0-9-]*(?:\/[a-z][a-z0-9-]*)?$/;
const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    root: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
const [module, name, ...extra] = positionals;

if (values.help || !module || !name || extra.length > 0) {
  console.error(
    'usage: npm run migration:create -- <module> <kebab-name>\n' +
      '  <module>: a feature (users, orders...) or a part of the event platform (events/store...)',
  );
  process.exit(values.help ? 0 : 1);
}
if (!MODULE.test(module)) {
  fail(`${module} is not a module folder (e.g. users, or events/store)`);
}
if (module === 'events') {
  fail('name the part of the platform that owns the tables: events/store...');
}
if (!NAME.test(name) || name.length > 100) {
  fail(`${name} is not a kebab-case name (e.g. add-user-phone)`);
}
const root = values.root ?? fileURLToPath(new URL('../src/', import.meta.url));
const owner = join(root, module);
if (!existsSync(owner) || !statSync(owner).isDirectory()) {
  fail(`${join(root, module)} does not exist: create the module first`);
}

// A feature keeps its tables in data/; the platform's parts have no data/ folder.
const folder = module.startsWith('events/')
  ? join(owner, 'migrations')
  : join(owner, 'data', 'migrations');
const timestamp = Date.now();
const className = `${pascalCase(name)}${timestamp}`;
const file = join(folder, `${timestamp}-${name}.ts`);
const columnTypes = relative(folder, join(root, 'database', 'column-types.js'))
  .split(sep)
  .join('/');

mkdirSync(folder, { recursive: true });
writeFileSync(
  file,
  `import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '${columnTypes}';

export class ${className} implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // Types that differ between SQLite and PostgreSQL (sequence, bigint, instant...).
    const types = columnTypes(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {}
}
`,
  // Never overwrite: a file with this name may already be applied somewhere.
  { flag: 'wx' },
);
console.log(`created ${relative(process.cwd(), file)} (class ${className})`);

function pascalCase(kebab) {
  return kebab
    .split('-')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
}

function fail(message) {
  console.error(`migration:create: ${message}`);
  process.exit(1);
}
