#!/usr/bin/env node
// `npm run key`: makes a new API key and prints it once, with the config entry that holds its
// SHA-256 (the key itself is stored nowhere; docs/security.md explains keys and rotation).
//
//   npm run key -- ops admin
//   npm run key -- shipping publisher --source /shipping
//   npm run key -- dashboards reader
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const ROLES = ['reader', 'publisher', 'admin'];
// A recognisable prefix lets secret scanners and people tell a key when they see one.
const PREFIX = 'nesk_';
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    source: { type: 'string', multiple: true },
    help: { type: 'boolean', default: false },
  },
});
const [name, ...roles] = positionals;

if (values.help || !name || roles.length === 0) {
  console.error(
    `usage: npm run key -- <name> <role>... [--source <source>]...\n` +
      `  roles: ${ROLES.join(', ')} (admin implies the others)`,
  );
  process.exit(values.help ? 0 : 1);
}
if (!NAME.test(name)) {
  fail('the name must be 1-64 letters, digits, dots, dashes or underscores');
}
for (const role of roles) {
  if (!ROLES.includes(role))
    fail(`unknown role ${role}; roles are ${ROLES.join(', ')}`);
}
for (const source of values.source ?? []) {
  if (!/^\S{1,255}$/.test(source))
    fail('a source must be 1-255 characters without spaces');
}

const key = PREFIX + randomBytes(32).toString('base64url');
const entry = {
  name,
  key_sha256: createHash('sha256').update(key).digest('hex'),
  roles: [...new Set(roles)],
  ...(values.source ? { sources: values.source } : {}),
};

const yaml = [
  `  - name: ${entry.name}`,
  `    key_sha256: ${entry.key_sha256}`,
  `    roles: [${entry.roles.join(', ')}]`,
  ...(entry.sources ? [`    sources: ${JSON.stringify(entry.sources)}`] : []),
];
console.log(
  [
    `New API key for ${name} (shown only now: hand it to its holder, it is not stored anywhere):`,
    '',
    `    ${key}`,
    '',
    'Add this entry under security.api_keys in config.yaml:',
    '',
    ...yaml,
    '',
    `or set SECURITY__API_KEYS='${JSON.stringify([entry])}' (the whole list, as JSON).`,
    'Clients send the key as "Authorization: Bearer <key>" or "X-Api-Key: <key>".',
  ].join('\n'),
);

function fail(message) {
  console.error(`key: ${message}`);
  process.exit(1);
}
