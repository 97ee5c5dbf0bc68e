#!/usr/bin/env node
// Fails when two folders import each other, directly or through others: src/<folder> for the
// application, src/events/<folder> for the platform's parts. A file-level rule cannot see these
// (no file imports itself), yet they make the code read in circles. Run by `npm run lint:deps`.
import { createRequire } from 'node:module';
import { cruise } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const config = require('../.dependency-cruiser.cjs');

function folderOf(path) {
  const parts = path.split('/');
  if (parts[0] !== 'src' || parts.length < 3) return undefined;
  if (parts[1] === 'events' && parts.length > 3)
    return `src/events/${parts[2]}`;
  return `src/${parts[1]}`;
}

const { output } = await cruise(['src'], {
  ...config.options,
  validate: false,
});
const edges = new Map();
for (const module of output.modules) {
  const from = folderOf(module.source);
  if (!from) continue;
  for (const dependency of module.dependencies) {
    const to = folderOf(dependency.resolved);
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to))
      edges.get(from).set(to, `${module.source} → ${dependency.resolved}`);
  }
}

// Strongly connected components (Tarjan): each with more than one folder is a cycle.
let index = 0;
const indexes = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(folder) {
  indexes.set(folder, index);
  low.set(folder, index++);
  stack.push(folder);
  onStack.add(folder);
  for (const next of edges.get(folder)?.keys() ?? []) {
    if (!indexes.has(next)) {
      visit(next);
      low.set(folder, Math.min(low.get(folder), low.get(next)));
    } else if (onStack.has(next)) {
      low.set(folder, Math.min(low.get(folder), indexes.get(next)));
    }
  }
  if (low.get(folder) !== indexes.get(folder)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== folder);
  if (component.length > 1) cycles.push(component.sort());
}
for (const folder of edges.keys()) if (!indexes.has(folder)) visit(folder);

if (cycles.length === 0) {
  console.log(`✔ no import cycle between folders (${edges.size} folders)`);
} else {
  for (const cycle of cycles) {
    console.error(`✘ these folders import each other: ${cycle.join(', ')}`);
    for (const from of cycle)
      for (const [to, example] of edges.get(from) ?? [])
        if (cycle.includes(to)) console.error(`    ${example}`);
  }
  process.exit(1);
}
