import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaContainer, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

export type {
  ApplyMigrationsOutput,
  DiffParams,
  DiffResult,
  DiffTarget,
  MigrationDirectory,
  MigrationList,
  SchemaContainer,
  SchemaEngine,
  SchemaFilter,
} from '@prisma/schema-engine-wasm/schema_engine_bg';

/** Every table and enum is ours: nothing in the database is managed outside Prisma. */
export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

export interface OpenSchemaEngineOptions {
  /** The Prisma schema files the engine starts with; the migration commands ignore them. */
  schemaFiles?: SchemaContainer[];
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Receives the engine's own log lines (JSON strings, one per event). */
  log?: (line: string) => void;
}

// The project's lib (ES2023, no DOM) carries no WebAssembly types; this is the part we use.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let ready: Promise<void> | undefined;
let openEngines = 0;
const pendingTimers = new Set<NodeJS.Timeout>();

/**
 * Starts an engine on the given adapter, runs `fn`, and frees the engine. The engine connects
 * and queries the server at once, even for commands that never touch it. Freeing it does not
 * close the adapter's connections: whoever owns them must.
 */
export async function withSchemaEngine<T>(opts: OpenSchemaEngineOptions, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  await loadWasm();
  const datamodels = opts.schemaFiles?.map((f): [string, string] => [f.path, f.content]);
  const log = opts.log ?? (() => {});
  openEngines += 1;
  try {
    const engine = await bindings.SchemaEngine.new({ datamodels }, (line: string) => log(line), bindMigrationAwareSqlAdapterFactory(opts.adapterFactory));
    try {
      return await fn(engine);
    } finally {
      engine.free();
    }
  } finally {
    openEngines -= 1;
    if (openEngines === 0) pendingTimers.forEach((t) => t.unref());
  }
}

/** The prisma-engines commit the WebAssembly build was made from. */
export async function schemaEngineVersion(): Promise<string> {
  await loadWasm();
  return bindings.version();
}

/**
 * The package entry imports the .wasm as an ES module, a bundler convention Node does not
 * support, so the bindings are wired by hand once per process, as wasm-bindgen's glue would.
 */
function loadWasm(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': withTrackedTimers(bindings) });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  ready.catch(() => (ready = undefined));
  return ready;
}

/**
 * The engine arms a timer for every timeout it races (10 s around its advisory lock) and,
 * having no clearTimeout import, never cancels it: each would keep Node alive 10 s after the
 * work is done. Timers still pending once no engine is open are leftovers, so they get unref'd.
 */
function withTrackedTimers(glue: typeof bindings): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...glue };
  const name = Object.keys(imports).find((key) => key.startsWith('__wbg_setTimeout_'));
  if (name === undefined) return imports;
  imports[name] = (callback: () => void, ms: number) => {
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      callback();
    }, ms >>> 0);
    pendingTimers.add(timer);
    if (openEngines === 0) timer.unref();
    return timer;
  };
  return imports;
}
