import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parse as parseYaml } from 'yaml';
import { AppConfig } from './app-config.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigSources {
  /** Defaults to process.env: CONFIG_FILE, PORT and SECTION__KEY overrides are read from it. */
  env?: NodeJS.ProcessEnv;
  /** Applied last, over file and environment (tests and embedding code use it). */
  overrides?: Record<string, unknown>;
}

type Tree = Record<string, unknown>;

const DEFAULT_FILE = 'config.yaml';

/**
 * Builds the validated configuration: defaults < config.yaml (or CONFIG_FILE) < environment < overrides.
 * Throws ConfigError naming every invalid key; the app must not start on a bad file.
 */
export function loadConfig({
  env = process.env,
  overrides = {},
}: ConfigSources = {}): AppConfig {
  const tree = readConfigFile(env.CONFIG_FILE);
  applyEnvironment(tree, env);
  deepMerge(tree, overrides);

  const config = plainToInstance(AppConfig, tree, {
    exposeDefaultValues: true,
  });
  const errors = validateSync(config, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  const problems = [
    ...errors.flatMap((error) => describe(error, '')),
    ...(errors.length === 0 ? crossFieldProblems(config) : []),
  ];
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  applyDerivedDefaults(config);
  return config;
}

/** Rules that tie two keys together, which per-key validation cannot express. */
function crossFieldProblems(config: AppConfig): string[] {
  const { bus } = config.event;
  const problems: string[] = [];
  if (bus.max_batch !== undefined && bus.max_batch > bus.buffer_size) {
    problems.push(
      `event.bus.max_batch: must not exceed event.bus.buffer_size (${bus.buffer_size}) (got ${bus.max_batch})`,
    );
  }
  const { grpc, server } = config;
  if (grpc.enabled && grpc.port === server.port) {
    problems.push(
      `grpc.port: must differ from server.port (both are ${grpc.port})`,
    );
  }
  return problems;
}

function applyDerivedDefaults(config: AppConfig): void {
  const { bus } = config.event;
  bus.max_batch ??= Math.min(1000, bus.buffer_size);
}

function readConfigFile(explicitPath: string | undefined): Tree {
  const path = resolve(explicitPath ?? DEFAULT_FILE);
  if (!existsSync(path)) {
    if (explicitPath)
      throw new ConfigError(`CONFIG_FILE ${path} does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `${path} is not valid YAML: ${(error as Error).message}`,
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isTree(parsed)) {
    throw new ConfigError(
      `${path} must hold a mapping of settings at the top level`,
    );
  }
  return parsed;
}

/**
 * `EVENT__HANDLERS__RETRY_COUNT=5` sets event.handlers.retry_count. Only variables whose first
 * segment is a known section count, so unrelated variables never trip validation.
 * Values are converted to the type of the key's default (number, boolean), else kept as text.
 */
function applyEnvironment(tree: Tree, env: NodeJS.ProcessEnv): void {
  const defaults = new AppConfig() as unknown as Tree;
  if (env.PORT !== undefined && env.SERVER__PORT === undefined) {
    setPath(tree, ['server', 'port'], coerce(env.PORT, 8080));
  }
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || !name.includes('__')) continue;
    const path = name.toLowerCase().split('__');
    if (!(path[0] in defaults)) continue;
    setPath(tree, path, coerce(raw, getPath(defaults, path), name));
  }
}

/**
 * A list key takes JSON when the value starts with `[` (SECURITY__API_KEYS='[{"name": ...}]'),
 * then validated like the file; other list keys also read `a,b,c`.
 */
function coerce(raw: string, example: unknown, variable = 'PORT'): unknown {
  const text = raw.trim();
  if (Array.isArray(example) && text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // The parser's message quotes the value; the value may be a secret.
      throw new ConfigError(`${variable} is not valid JSON`);
    }
  }
  if (typeof example === 'number' && /^-?\d+(\.\d+)?$/.test(text))
    return Number(text);
  if (typeof example === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
  }
  return raw;
}

function describe(error: ValidationError, parentPath: string): string[] {
  const path = parentPath ? `${parentPath}.${error.property}` : error.property;
  const own = Object.entries(error.constraints ?? {}).map(([rule, message]) =>
    rule === 'whitelistValidation'
      ? `${path}: unknown key (check its spelling against config.yaml)`
      : `${path}: ${message.replace(new RegExp(`^${error.property} `), '')} (got ${JSON.stringify(error.value)})`,
  );
  const nested = (error.children ?? []).flatMap((child) =>
    describe(child, path),
  );
  return [...own, ...nested];
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function getPath(tree: Tree, path: string[]): unknown {
  let node: unknown = tree;
  for (const key of path) {
    if (!isTree(node)) return undefined;
    node = node[key];
  }
  return node;
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]] = value;
}

function deepMerge(target: Tree, source: Tree): void {
  for (const [key, value] of Object.entries(source)) {
    if (isTree(value) && isTree(target[key]))
      deepMerge(target[key] as Tree, value);
    else if (isTree(value)) {
      target[key] = {};
      deepMerge(target[key] as Tree, value);
    } else target[key] = value;
  }
}
