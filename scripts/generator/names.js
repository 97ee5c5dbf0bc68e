// The names a generated module is made of, and the checks that keep them from colliding with
// what the project already has.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A refusal the user can act on: printed without a stack, exit code 1. */
export class GeneratorError extends Error {}

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
// Table and index names stay within PostgreSQL's 63 characters (ix_<table>_created).
const MAX_LENGTH = 40;

/**
 * Folders of the platform, which are not feature modules (.dependency-cruiser.cjs; they exist
 * in src/, so a folder added later is refused as existing), and names that would break a
 * convention: every folder named `migrations` holds migrations only, and TypeORM keeps its own
 * `migrations` and `typeorm_metadata` tables.
 */
const RESERVED = new Set([
  'events',
  'common',
  'config',
  'database',
  'logging',
  'security',
  'health',
  'migrations',
  'typeorm-metadata',
]);

/** Routes Swagger serves, outside any controller. */
const SWAGGER_ROUTES = ['docs', 'docs-json', 'docs-yaml'];

export function validateName(value, what) {
  if (!KEBAB.test(value))
    throw new GeneratorError(
      `${JSON.stringify(value)} is not a valid ${what}: use kebab-case, lower-case words of ` +
        'letters and digits joined by single hyphens, starting with a letter (e.g. shipments, ' +
        'gift-cards)',
    );
  if (value.length > MAX_LENGTH)
    throw new GeneratorError(
      `${what} ${value} is longer than ${MAX_LENGTH} characters`,
    );
}

/**
 * Every spelling the templates use. `name` is the module (plural, as its folder, route and
 * table); `item` one of its records (singular: entity, event, stream).
 */
export function namesFor(name, singular, timestamp) {
  const item = singular ?? singularOf(name);
  validateName(item, 'singular');
  const words = (kebab) => kebab.split('-');
  const pascal = (kebab) =>
    words(kebab)
      .map((word) => word[0].toUpperCase() + word.slice(1))
      .join('');
  const camel = (kebab) => {
    const text = pascal(kebab);
    return text[0].toLowerCase() + text.slice(1);
  };
  const snake = (kebab) => words(kebab).join('_');
  const sentence = words(name).join(' ');
  return {
    name,
    Names: pascal(name),
    namesSnake: snake(name),
    NamesWords: sentence[0].toUpperCase() + sentence.slice(1),
    item,
    Item: pascal(item),
    ITEM: snake(item).toUpperCase(),
    itemCamel: camel(item),
    itemWords: words(item).join(' '),
    aItem: `${/^[aeiou]/.test(item) ? 'an' : 'a'} ${words(item).join(' ')}`,
    table: snake(name),
    eventType: `${snake(item)}.created`,
    timestamp,
  };
}

/** English plurals of the common shapes; anything else is its own singular (--singular fixes it). */
export function singularOf(name) {
  const cut = name.lastIndexOf('-') + 1;
  const head = name.slice(0, cut);
  const last = name.slice(cut);
  const rules = [
    [/ies$/, 'y', 4],
    [/(ss|sh|ch|x|z)es$/, '$1', 4],
    [/(ss|us|is)$/, '$1', 0],
    [/s$/, '', 2],
  ];
  for (const [pattern, replacement, minLength] of rules) {
    if (pattern.test(last))
      return last.length >= minLength
        ? head + last.replace(pattern, replacement)
        : name;
  }
  return name;
}

/** Refuses a module whose folder, route, table, event type, stream or class already exists. */
export function checkAvailable(root, names) {
  const src = join(root, 'src');
  const { name } = names;
  if (RESERVED.has(name))
    throw new GeneratorError(
      `${name} is reserved: it names a part of the platform or a convention`,
    );
  if (existsSync(join(src, name)))
    throw new GeneratorError(
      `src/${name} already exists: a module named ${name} is there, choose another name`,
    );
  const sources = sourceFiles(src);
  const found = (regex) =>
    new Set(
      sources.flatMap((text) => [...text.matchAll(regex)].map((m) => m[1])),
    );

  if (SWAGGER_ROUTES.includes(name) || routesOf(sources).has(name))
    throw new GeneratorError(`the route /${name} is already served`);
  const tables = found(/@Entity\(\s*'([^']+)'/g);
  for (const table of found(/new Table\(\{\s*name:\s*'([^']+)'/g))
    tables.add(table);
  if (tables.has(names.table))
    throw new GeneratorError(`a table named ${names.table} already exists`);
  if (found(/@DomainEvent\(\s*'([^']+)'/g).has(names.eventType))
    throw new GeneratorError(
      `the event type ${names.eventType} is already declared; give another --singular`,
    );
  const prefix = `${names.item}-`;
  for (const claimed of found(/_STREAM_PREFIX = '([^']+)'/g)) {
    if (claimed.startsWith(prefix) || prefix.startsWith(claimed))
      throw new GeneratorError(
        `streams named ${prefix}<id> would overlap those of ${claimed}<id>; give another --singular`,
      );
  }
  const appModule = readFileSync(join(src, 'app.module.ts'), 'utf8');
  if (new RegExp(`\\b${names.Names}Module\\b`).test(appModule))
    throw new GeneratorError(
      `src/app.module.ts already refers to ${names.Names}Module`,
    );
}

/** First path segments of every controller route: `@Controller('users')`, or a method's path. */
function routesOf(sources) {
  const routes = new Set();
  for (const text of sources) {
    const controller = /@Controller\(\s*(?:'([^']*)')?\s*\)/.exec(text);
    if (!controller) continue;
    const paths = controller[1]
      ? [controller[1]]
      : [...text.matchAll(/@(?:Get|Post|Put|Patch|Delete)\(\s*'([^']*)'/g)].map(
          (m) => m[1],
        );
    for (const path of paths) routes.add(path.split('/')[0]);
  }
  return routes;
}

function sourceFiles(src) {
  return readdirSync(src, { recursive: true })
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.spec.ts'))
    .map((path) => readFileSync(join(src, path), 'utf8'));
}
