// The two edits outside the new module's files. Each is idempotent (an edit already made is
// not made again) and refuses, naming what it looked for, when the file no longer has the
// shape it expects, rather than guess.
import { GeneratorError } from './names.js';

/**
 * Imports `<Names>Module` in src/app.module.ts, among the other relative imports in path order,
 * and lists it before `...extra` in AppModule.forRoot's imports (the feature modules' place).
 */
export function editAppModule(text, { name, Names }) {
  const moduleClass = `${Names}Module`;
  const path = `./${name}/${name}.module.js`;
  const lines = text.split('\n');

  if (!lines.some((line) => line.includes(`from '${path}'`))) {
    const relative = lines
      .map((line, index) => ({
        index,
        from: /^import .* from '(\.\/[^']+)';$/.exec(line)?.[1],
      }))
      .filter(({ from }) => from !== undefined);
    if (relative.length === 0)
      throw new GeneratorError(
        'src/app.module.ts has no single-line relative import to place the new one among',
      );
    const next = relative.find(({ from }) => from > path);
    const at = next ? next.index : relative[relative.length - 1].index + 1;
    lines.splice(at, 0, `import { ${moduleClass} } from '${path}';`);
  }

  const extra = lines.findIndex((line) => /^\s*\.\.\.extra,\s*$/.test(line));
  if (extra === -1)
    throw new GeneratorError(
      "src/app.module.ts: no '...extra,' line in AppModule's imports to list the module before",
    );
  const listed = lines
    .slice(0, extra)
    .some((line) => line.trim() === `${moduleClass},`);
  if (!listed) {
    const indent = /^\s*/.exec(lines[extra])[0];
    lines.splice(extra, 0, `${indent}${moduleClass},`);
  }
  return lines.join('\n');
}

/**
 * Adds the generated routes to the access matrix of test/access.e2e-spec.ts (EXPECTED), which
 * fails for a route it does not list: the decisions are the ones the generated controller
 * declares (@Roles('publisher') to write, @Roles('reader') to read).
 */
export function editAccessMatrix(text, { name }) {
  const decisions = [
    [`POST /${name}`, 'publisher'],
    [`GET /${name}`, 'reader'],
    [`GET /${name}/:id`, 'reader'],
  ];
  const lines = text.split('\n');
  const start = lines.findIndex((line) =>
    line.startsWith('const EXPECTED: Record<string, Decision> = {'),
  );
  const end = lines.findIndex((line, index) => index > start && line === '};');
  if (start === -1 || end === -1)
    throw new GeneratorError(
      'test/access.e2e-spec.ts: no `const EXPECTED: Record<string, Decision> = {` … `};` to ' +
        `add the decisions of /${name} to`,
    );
  // Before the Swagger routes, which close the list, or else at its end.
  const swagger = lines.findIndex(
    (line, index) =>
      index > start && index < end && /^\s*\/\/ Swagger/.test(line),
  );
  const at = swagger === -1 ? end : swagger;
  const missing = decisions
    .filter(
      ([route]) =>
        !lines.slice(start, end).some((line) => line.includes(`'${route}':`)),
    )
    .map(([route, role]) => `  '${route}': '${role}',`);
  lines.splice(at, 0, ...missing);
  return lines.join('\n');
}
