import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/app-build.js';
import { runNode, type Finished } from './support/child-process.js';
import { temporaryDirectory } from './support/test-app.js';

/** What a copy of the project leaves out; node_modules comes back as a link. */
const NOT_COPIED = new Set([
  'node_modules',
  '.git',
  'dist',
  'data',
  'coverage',
  '.bench',
]);
// The slow steps compile the whole project on a shared machine: bounded, not timed.
const STEP_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = STEP_TIMEOUT_MS + 30_000;

const NPM_CLI =
  process.env.npm_execpath ??
  join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'bin',
    'npm-cli.js',
  );

describe('npm run generate:module', () => {
  const directory = temporaryDirectory();
  const project = join(directory.path, 'project');

  /** `node <script> ...args` in the copy, with the copy's config.yaml. */
  const inCopy = (script: string, args: string[]): Promise<Finished> =>
    runNode(join(project, script), args, {
      cwd: project,
      env: { CONFIG_FILE: join(project, 'config.yaml'), NO_COLOR: '1' },
      timeoutMs: STEP_TIMEOUT_MS,
    });
  const generate = (...args: string[]) =>
    inCopy('scripts/generate-module.js', [...args, '--root', project]);
  const expectSuccess = (result: Finished) =>
    expect(
      { code: result.code, signal: result.signal },
      result.output.slice(-8_000),
    ).toEqual({ code: 0, signal: null });
  const read = (path: string) => readFileSync(join(project, path), 'utf8');
  /** Every file under src/ and test/, to see that a refusal wrote nothing. */
  const tree = () =>
    ['src', 'test']
      .flatMap((folder) =>
        readdirSync(join(project, folder), { recursive: true }).map((path) =>
          join(folder, String(path)),
        ),
      )
      .sort();

  beforeAll(() => {
    cpSync(REPO_ROOT, project, {
      recursive: true,
      filter: (source) =>
        !NOT_COPIED.has(relative(REPO_ROOT, source).split('/')[0]),
    });
    symlinkSync(
      join(REPO_ROOT, 'node_modules'),
      join(project, 'node_modules'),
      'dir',
    );
  });
  afterAll(() => directory.cleanup());

  describe('a generated module (gift-cards)', () => {
    const generated = [
      'src/gift-cards/gift-cards.module.ts',
      'src/gift-cards/data/gift-card.entity.ts',
      'src/gift-cards/event/gift-card-created.event.ts',
      'src/gift-cards/service/gift-cards.service.ts',
      'src/gift-cards/service/gift-card.errors.ts',
      'src/gift-cards/service/gift-cards.service.spec.ts',
      'src/gift-cards/handler/gift-card-created.handler.ts',
      'src/gift-cards/handler/gift-card-created.handler.spec.ts',
      'src/gift-cards/handler/gift-cards.controller.ts',
      'src/gift-cards/handler/dto/create-gift-card.dto.ts',
      'src/gift-cards/handler/dto/list-gift-cards.query.ts',
      'src/gift-cards/handler/dto/gift-card.response.ts',
      'test/gift-cards.e2e-spec.ts',
    ];
    let migration: string;
    let before: number;
    let after: number;

    beforeAll(async () => {
      before = Date.now();
      expectSuccess(await generate('gift-cards'));
      after = Date.now();
      [migration] = readdirSync(
        join(project, 'src/gift-cards/data/migrations'),
      ).map((file) => `src/gift-cards/data/migrations/${file}`);
    }, TEST_TIMEOUT_MS);

    it('writes the module with a migration named by the time it was generated, and registers it once', () => {
      for (const path of generated)
        expect(existsSync(join(project, path)), path).toBe(true);
      const timestamp = Number(
        /\/(\d{13})-create-gift-cards\.ts$/.exec(migration)?.[1],
      );
      expect(timestamp).toBeGreaterThanOrEqual(before);
      expect(timestamp).toBeLessThanOrEqual(after);
      expect(read(migration)).toContain(`class CreateGiftCards${timestamp}`);
      expect(read('src/gift-cards/event/gift-card-created.event.ts')).toContain(
        "@DomainEvent('gift_card.created')",
      );

      const appModule = read('src/app.module.ts');
      expect(
        appModule.match(
          /^import \{ GiftCardsModule \} from '\.\/gift-cards\/gift-cards\.module\.js';$/gm,
        ),
      ).toHaveLength(1);
      expect(appModule.match(/^\s+GiftCardsModule,$/gm)).toHaveLength(1);
      expect(read('test/access.e2e-spec.ts')).toContain(
        "'POST /gift-cards': 'publisher',\n  'GET /gift-cards': 'reader',\n  'GET /gift-cards/:id': 'reader',",
      );
    });

    it(
      'compiles (tsc --noEmit)',
      async () => {
        expectSuccess(
          await inCopy('node_modules/typescript/bin/tsc', [
            '--noEmit',
            '-p',
            'tsconfig.json',
          ]),
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'passes ESLint and Prettier as written',
      async () => {
        const files = [
          ...generated,
          migration,
          'src/app.module.ts',
          'test/access.e2e-spec.ts',
        ];
        expectSuccess(
          await inCopy('node_modules/eslint/bin/eslint.js', [
            '--max-warnings=0',
            ...files,
          ]),
        );
        expectSuccess(
          await inCopy('node_modules/prettier/bin/prettier.cjs', [
            '--check',
            ...files,
          ]),
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps the dependency rules (npm run lint:deps)',
      async () => {
        const result = await runNode(NPM_CLI, ['run', 'lint:deps'], {
          cwd: project,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        expectSuccess(result);
        expect(result.stdout).toContain('no dependency violations found');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'builds with nest build, its migration included',
      async () => {
        expectSuccess(
          await inCopy('node_modules/@nestjs/cli/bin/nest.js', ['build']),
        );
        const built = migration
          .replace(/^src\//, 'dist/')
          .replace(/\.ts$/, '.js');
        expect(existsSync(join(project, built)), built).toBe(true);
        expect(
          existsSync(join(project, 'dist/gift-cards/gift-cards.module.js')),
        ).toBe(true);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'passes its own unit and e2e specs',
      async () => {
        const result = await inCopy('node_modules/vitest/vitest.mjs', [
          'run',
          'src/gift-cards',
          'test/gift-cards.e2e-spec.ts',
        ]);
        expectSuccess(result);
        // Three spec files ran, none was skipped.
        expect(result.stdout).toMatch(/Test Files\s+3 passed \(3\)/);
      },
      TEST_TIMEOUT_MS,
    );
  });

  it.each([
    ['PascalCase', 'GiftCards'],
    ['an underscore', 'gift_cards'],
    ['a double hyphen', 'gift--cards'],
    ['a leading digit', '9lives'],
    ['a trailing hyphen', 'cards-'],
    ['a path', '../cards'],
    ['over 40 characters', 'a'.repeat(41)],
  ])(
    'refuses a name with %s, saying why, and writes nothing',
    async (_case, name) => {
      const files = tree();
      const appModule = read('src/app.module.ts');

      const result = await generate(name);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(name);
      expect(result.stderr).toMatch(/kebab-case|longer than 40/);
      expect(tree()).toEqual(files);
      expect(read('src/app.module.ts')).toBe(appModule);
    },
  );

  it.each([
    ['an existing module', ['users'], 'src/users already exists'],
    [
      'the module just generated',
      ['gift-cards'],
      'src/gift-cards already exists',
    ],
    ['a folder of the platform', ['events'], 'events is reserved'],
    [
      'a route another module serves',
      ['products'],
      '/products is already served',
    ],
    ['a table that exists', ['audit-log'], 'audit_log already exists'],
    ['an unknown option', ['parcels', '--force'], "Unknown option '--force'"],
    [
      "streams that overlap another module's",
      ['members', '--singular', 'user'],
      'would overlap',
    ],
  ])('refuses %s, saying why, and writes nothing', async (_case, args, why) => {
    const files = tree();
    const appModule = read('src/app.module.ts');
    const access = read('test/access.e2e-spec.ts');

    const result = await generate(...args);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(why);
    expect(tree()).toEqual(files);
    expect(read('src/app.module.ts')).toBe(appModule);
    expect(read('test/access.e2e-spec.ts')).toBe(access);
  });
});
