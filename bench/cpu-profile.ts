import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The parts of a V8 .cpuprofile (written by `node --cpu-prof`) this summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: {
      functionName: string;
      url: string;
      lineNumber: number;
      columnNumber: number;
    };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Window {
  startMicros: number;
  endMicros: number;
}

export interface FunctionCost {
  function: string;
  location: string;
  category: string;
  ms: number;
  percent: number;
}

export interface CategoryCost {
  category: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  /** Wall time covered by the samples counted. */
  sampledMs: number;
  /** Sampled time not spent idle. */
  busyMs: number;
  selfByFunction: FunctionCost[];
  selfByCategory: CategoryCost[];
  /** Time with the function on the stack, for the project's own functions (src/). */
  inclusiveProject: FunctionCost[];
}

const SPECIAL = new Set([
  '(garbage collector)',
  '(program)',
  '(idle)',
  '(root)',
]);

/** The newest .cpuprofile file in `directory`. */
export function newestProfile(directory: string): string {
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(directory, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (files.length === 0) throw new Error(`no .cpuprofile in ${directory}`);
  return files[0];
}

/**
 * Self time per function and per package/category, and inclusive time of the project's own
 * functions, counting only samples inside `window` when one is given.
 */
export function summarizeProfile(
  file: string,
  window?: Window,
  top = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }

  const self = new Map<number, number>();
  let sampledMicros = 0;
  let time = profile.startTime;
  const times = profile.samples.map((_, index) => {
    time += profile.timeDeltas[index] ?? 0;
    return time;
  });
  for (let index = 0; index < profile.samples.length; index++) {
    const at = times[index];
    const next = index + 1 < times.length ? times[index + 1] : profile.endTime;
    const duration = Math.max(0, next - at);
    if (window && (at < window.startMicros || at >= window.endMicros)) continue;
    const id = profile.samples[index];
    self.set(id, (self.get(id) ?? 0) + duration);
    sampledMicros += duration;
  }

  const functions = new Map<string, { frame: Frame; micros: number }>();
  const categories = new Map<string, number>();
  const inclusive = new Map<string, { frame: Frame; micros: number }>();
  let idleMicros = 0;
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = describe(node.callFrame);
    if (frame.category === 'idle') idleMicros += micros;
    add(functions, frame, micros);
    categories.set(
      frame.category,
      (categories.get(frame.category) ?? 0) + micros,
    );
    // Every project function on this stack, once each even when recursive.
    const seen = new Set<string>();
    for (
      let current: number | undefined = id;
      current !== undefined;
      current = parent.get(current)
    ) {
      const ancestor = describe(
        (byId.get(current) as CpuProfile['nodes'][number]).callFrame,
      );
      if (ancestor.category !== 'project' || seen.has(ancestor.key)) continue;
      seen.add(ancestor.key);
      add(inclusive, ancestor, micros);
    }
  }

  const busyMicros = sampledMicros - idleMicros;
  const cost = ({ frame, micros }: { frame: Frame; micros: number }) => ({
    function: frame.name,
    location: frame.location,
    category: frame.category,
    ms: round(micros / 1000),
    percent: round((micros / Math.max(1, busyMicros)) * 100),
  });
  const ranked = <T extends { micros: number }>(values: Iterable<T>) =>
    [...values].sort((a, b) => b.micros - a.micros);

  return {
    file,
    sampledMs: round(sampledMicros / 1000),
    busyMs: round(busyMicros / 1000),
    selfByFunction: ranked(functions.values())
      .filter(({ frame }) => frame.category !== 'idle')
      .slice(0, top)
      .map(cost),
    selfByCategory: ranked(
      [...categories].map(([category, micros]) => ({ category, micros })),
    )
      .filter(({ category }) => category !== 'idle')
      .map(({ category, micros }) => ({
        category,
        ms: round(micros / 1000),
        percent: round((micros / Math.max(1, busyMicros)) * 100),
      })),
    inclusiveProject: ranked(inclusive.values()).slice(0, top).map(cost),
  };
}

interface Frame {
  key: string;
  name: string;
  location: string;
  category: string;
}

function add(
  into: Map<string, { frame: Frame; micros: number }>,
  frame: Frame,
  micros: number,
): void {
  const entry = into.get(frame.key);
  if (entry) entry.micros += micros;
  else into.set(frame.key, { frame, micros });
}

function describe(frame: CpuProfile['nodes'][number]['callFrame']): Frame {
  const name = frame.functionName || '(anonymous)';
  const url = frame.url;
  const line = frame.lineNumber + 1;
  let category: string;
  let location: string;
  if (SPECIAL.has(name) && url === '') {
    category =
      name === '(idle)'
        ? 'idle'
        : name === '(garbage collector)'
          ? 'garbage collector'
          : 'V8 / native (program)';
    location = '';
  } else if (url.endsWith('/bench/support/sql-stats.js')) {
    // The statement timer wraps better-sqlite3's native run/all: its frame is SQLite at work.
    const sqlite = name === 'sqliteExecute';
    category = sqlite ? 'SQLite (native)' : 'bench instrumentation';
    location = sqlite
      ? 'better-sqlite3 Statement.run/all'
      : 'bench/support/sql-stats.js';
  } else if (url === '') {
    category = 'native / builtin';
    location = '(native)';
  } else if (url.startsWith('node:')) {
    category = 'node core';
    location = `${url}:${line}`;
  } else {
    const path = url.replace(/^file:\/\//, '');
    const modules = path.lastIndexOf(`${sep}node_modules${sep}`);
    if (modules >= 0) {
      const rest = path.slice(modules + 14).split(sep);
      const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
      category = pkg;
      location = `${rest.join('/')}:${line}`;
    } else {
      // dist/ is the build of src/ (the app as shipped).
      const project =
        path.match(/[\\/](src|bench|test)[\\/](.*)$/) ??
        path
          .match(/[\\/](dist)[\\/](.*)$/)
          ?.map((part) => (part === 'dist' ? 'src' : part));
      category = project?.[1] === 'src' ? 'project' : (project?.[1] ?? 'other');
      location = project
        ? `${project[1]}/${project[2]}:${line}`
        : `${path}:${line}`;
    }
  }
  return { key: `${name}@${url}:${line}`, name, location, category };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
