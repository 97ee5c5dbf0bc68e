#!/usr/bin/env node
// `npm run generate:module -- <name>`: a feature module that works from its first commit, to
// grow from (docs/generator.md):
//
//   npm run generate:module -- shipments
//     -> src/shipments/ (data/ event/ service/ handler/, shipments.module.ts, unit specs),
//        test/shipments.e2e-spec.ts, ShipmentsModule registered in src/app.module.ts and its
//        routes' access decisions added to test/access.e2e-spec.ts
//
// The module's records are named by the singular of <name> (shipments -> Shipment); give it
// with --singular when the guess is wrong (--singular person for people).
// Nothing is written unless everything can be: names are checked against what src/ already
// has, every file is rendered and formatted first, and no existing file is overwritten.
// --root <folder> generates into another copy of the project (the tests use one).
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { editAccessMatrix, editAppModule } from './generator/edits.js';
import {
  checkAvailable,
  GeneratorError,
  namesFor,
  validateName,
} from './generator/names.js';

const TEMPLATES = fileURLToPath(
  new URL('./generator/templates/', import.meta.url),
);

/** Each template and where it goes; paths use the same {{tokens}} as the templates. */
const FILES = [
  ['module.ts.tpl', 'src/{{name}}/{{name}}.module.ts'],
  ['entity.ts.tpl', 'src/{{name}}/data/{{item}}.entity.ts'],
  [
    'migration.ts.tpl',
    'src/{{name}}/data/migrations/{{timestamp}}-create-{{name}}.ts',
  ],
  ['event.ts.tpl', 'src/{{name}}/event/{{item}}-created.event.ts'],
  ['service.ts.tpl', 'src/{{name}}/service/{{name}}.service.ts'],
  ['errors.ts.tpl', 'src/{{name}}/service/{{item}}.errors.ts'],
  ['service.spec.ts.tpl', 'src/{{name}}/service/{{name}}.service.spec.ts'],
  ['handler.ts.tpl', 'src/{{name}}/handler/{{item}}-created.handler.ts'],
  [
    'handler.spec.ts.tpl',
    'src/{{name}}/handler/{{item}}-created.handler.spec.ts',
  ],
  ['controller.ts.tpl', 'src/{{name}}/handler/{{name}}.controller.ts'],
  ['create.dto.ts.tpl', 'src/{{name}}/handler/dto/create-{{item}}.dto.ts'],
  ['list.query.ts.tpl', 'src/{{name}}/handler/dto/list-{{name}}.query.ts'],
  ['response.ts.tpl', 'src/{{name}}/handler/dto/{{item}}.response.ts'],
  ['e2e-spec.ts.tpl', 'test/{{name}}.e2e-spec.ts'],
];

const USAGE =
  'usage: npm run generate:module -- <kebab-case-name> [--singular <kebab-case-name>]\n' +
  '  e.g. npm run generate:module -- shipments';

let values;
let positionals;
try {
  ({ values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      singular: { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  // An unknown option, or one without its value.
  console.error(`generate:module: ${error.message}\n${USAGE}`);
  process.exit(1);
}
const [name, ...extra] = positionals;
if (values.help || name === undefined || extra.length > 0) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 1);
}

try {
  const root = values.root ?? fileURLToPath(new URL('../', import.meta.url));
  validateName(name, 'module name');
  if (values.singular !== undefined)
    validateName(values.singular, 'singular (--singular)');
  const names = namesFor(name, values.singular, Date.now());
  checkAvailable(root, names);

  // Everything is prepared before anything is written.
  const files = await Promise.all(
    FILES.map(async ([template, target]) => {
      const path = join(root, render(target, names));
      const text = render(
        readFileSync(join(TEMPLATES, template), 'utf8'),
        names,
      );
      return { path, text: await format(path, text) };
    }),
  );
  const existing = files.find(({ path }) => existsSync(path));
  if (existing)
    throw new GeneratorError(`${relative(root, existing.path)} already exists`);
  const appModulePath = join(root, 'src', 'app.module.ts');
  const originalAppModule = readFileSync(appModulePath, 'utf8');
  const appModule = await format(
    appModulePath,
    editAppModule(originalAppModule, names),
  );
  const accessPath = join(root, 'test', 'access.e2e-spec.ts');
  const originalAccess = existsSync(accessPath)
    ? readFileSync(accessPath, 'utf8')
    : undefined;
  const access =
    originalAccess === undefined
      ? undefined
      : await format(accessPath, editAccessMatrix(originalAccess, names));

  const written = [];
  try {
    for (const { path, text } of files) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text, { flag: 'wx' });
      written.push(path);
    }
    writeFileSync(appModulePath, appModule);
    if (access !== undefined) writeFileSync(accessPath, access);
  } catch (error) {
    // A disk that fills up half-way: leave the project as it was.
    rmSync(join(root, 'src', names.name), { recursive: true, force: true });
    for (const path of written) rmSync(path, { force: true });
    writeFileSync(appModulePath, originalAppModule);
    if (access !== undefined) writeFileSync(accessPath, originalAccess);
    throw error;
  }
  for (const path of written) console.log(`created ${relative(root, path)}`);
  console.log(`registered ${names.Names}Module in src/app.module.ts`);
  if (access !== undefined)
    console.log(
      `added the access decisions of /${names.name} to test/access.e2e-spec.ts`,
    );
  console.log(
    `\nNext: npx vitest run src/${names.name} test/${names.name}.e2e-spec.ts` +
      ` (docs/generator.md says what each file is for)`,
  );
} catch (error) {
  if (!(error instanceof GeneratorError)) throw error;
  console.error(`generate:module: ${error.message}`);
  process.exit(1);
}

/** Replaces every {{token}}; a token the names do not define is a bug in a template. */
function render(template, names) {
  return template.replace(/\{\{(\w+)\}\}/g, (_, token) => {
    if (!(token in names))
      throw new Error(`unknown template token {{${token}}}`);
    return String(names[token]);
  });
}

/** Names differ in length, so lines wrap differently: the project's Prettier settings decide. */
async function format(path, text) {
  const options = await prettier.resolveConfig(path);
  return prettier.format(text, { ...options, filepath: path });
}
