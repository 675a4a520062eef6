/**
 * Checks of the deploy files (Dockerfile, .dockerignore, docker-compose.yml and the compose
 * commands README shows) that need no Docker engine. Each check takes file text and returns
 * its problems as sentences, none meaning the file is fine, so a test can hand it a broken copy.
 */
import { validate } from 'dockerfile-utils';
import { parse as parseYaml } from 'yaml';

/** What the checks need to know about the checkout. */
export interface Repo {
  scripts: Record<string, string>;
  fileExists(path: string): boolean;
  readFile(path: string): string;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

// LSP DiagnosticSeverity, which dockerfile-utils' diagnostics carry.
const SEVERITY_ERROR = 1;
const SEVERITY_WARNING = 2;

/** dockerfile-utils' errors and warnings, as `line N: error|warning: message`. */
export function dockerfileLintProblems(text: string): string[] {
  return validate(text)
    .filter((d) => d.severity === SEVERITY_ERROR || d.severity === SEVERITY_WARNING)
    .map((d) => `line ${d.range.start.line + 1}: ${d.severity === SEVERITY_ERROR ? 'error' : 'warning'}: ${d.message}`);
}

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

/** The instructions, continuation lines joined and comments dropped (no heredocs). */
export function dockerfileInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  for (const line of lines) {
    const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
    if (!directive) break;
    if (directive[1]!.toLowerCase() === 'escape') escape = directive[2]!;
  }
  const out: Instruction[] = [];
  let current: { line: number; text: string } | null = null;
  for (const [i, raw] of lines.entries()) {
    const trimmed = raw.trim();
    // Comments and blank lines are skipped, inside a continuation too.
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    current ??= { line: i + 1, text: '' };
    const continued = trimmed.endsWith(escape);
    current.text += `${continued ? trimmed.slice(0, -escape.length) : trimmed} `;
    if (!continued) {
      out.push(toInstruction(current));
      current = null;
    }
  }
  if (current) out.push(toInstruction(current));
  return out;
}

function toInstruction({ line, text }: { line: number; text: string }): Instruction {
  const [keyword = '', ...rest] = text.trim().split(/\s+/);
  return { keyword: keyword.toUpperCase(), args: rest.join(' '), line };
}

/** The build stages, each FROM with the instructions up to the next. */
export function dockerfileStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of dockerfileInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(' ').filter((w) => !w.startsWith('--'));
      const as = words.findIndex((w) => w.toLowerCase() === 'as');
      stages.push({ image: words[0] ?? '', name: as >= 0 ? (words[as + 1] ?? null) : null, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return stages;
}

/** The environment a stage's ENV instructions set (`ENV NAME=value ...`, or the old `ENV NAME value`). */
function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    const words = ins.args.trim().split(/\s+/);
    if (!words[0]?.includes('=')) env[words[0] ?? ''] = words.slice(1).join(' ');
    else for (const w of words) env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1).replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** Words of an exec-form (JSON array) instruction, or null for the shell form. */
function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((w) => typeof w === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

/** Sources and destination of a COPY/ADD, flags left out. */
function copyPaths(args: string): { sources: string[]; dest: string; from: string | null } {
  const from = /--from=(\S+)/.exec(args)?.[1] ?? null;
  const words = execForm(args.replace(/--\S+\s*/g, '')) ?? args.split(' ').filter((w) => w && !w.startsWith('--'));
  return { sources: words.slice(0, -1), dest: words.at(-1) ?? '', from };
}

const normalise = (path: string) => path.replace(/^\.\//, '').replace(/\/+$/, '') || '.';

/** What the final image must not take from the build context. */
const NEVER_IN_IMAGE = [
  { re: /^(test|tests)(\/|$)|\.test\.ts$/, why: 'test files' },
  { re: /(^|\/)node_modules(\/|$)/, why: "the host's node_modules (the image installs its own)" },
  { re: /(^|\/)\.env(\.|$)/, why: 'secrets' },
  { re: /^\.git(\/|$)/, why: 'the repository history' },
];

/**
 * Multi-stage, non-root, Node 20 with espeak-ng and sox, nothing taken from the build context
 * that the service does not need, the postinstall's inputs there before `npm install`, the
 * `codecall` command on PATH, and a CMD that runs `npm start`'s entry point with no npm between
 * it and SIGTERM.
 */
export function dockerfileProblems(text: string, repo: Repo): string[] {
  const problems: string[] = [];
  const stages = dockerfileStages(text);
  if (stages.length < 2) problems.push(`has ${stages.length} build stage(s); install in one stage and copy the result into a final one`);
  const final = stages.at(-1);
  if (!final) return problems;
  const finalOf = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);
  const stageNames = stages.map((s) => s.name?.toLowerCase());

  for (const [i, stage] of stages.entries()) {
    const fromStage = stageNames.slice(0, i).includes(stage.image.toLowerCase());
    if (!fromStage && !/^node:20([.-]|$)/.test(stage.image)) problems.push(`stage ${stage.name ?? i} is based on ${stage.image}, not Node 20 (node:20...)`);
  }

  const earlier = stages.slice(0, -1).flatMap((s, i) => [String(i), ...(s.name ? [s.name.toLowerCase()] : [])]);
  if (!finalOf('COPY').some((c) => earlier.includes(copyPaths(c.args).from?.toLowerCase() ?? ''))) {
    problems.push('the final stage copies nothing from an earlier stage');
  }

  const user = finalOf('USER').at(-1)?.args.split(':')[0]?.trim();
  if (!user) problems.push('the final stage sets no USER, so the service would run as root');
  else if (user === 'root' || user === '0') problems.push(`the final stage runs as ${user} (USER ${user})`);

  const runs = finalOf('RUN').map((r) => r.args);
  for (const pkg of ['espeak-ng', 'sox']) {
    if (!runs.some((r) => /apt-get\s+install/.test(r) && new RegExp(`(^|\\s)${pkg}(\\s|$)`).test(r))) {
      problems.push(`the final stage does not apt-get install ${pkg}, which text-to-speech runs`);
    }
  }
  if (!runs.some((r) => /\/usr\/local\/bin\/codecall\b|npm\s+link\b/.test(r))) {
    problems.push('the final stage does not put the codecall command on PATH (README: "the container image has it")');
  }

  for (const [i, stage] of stages.entries()) {
    for (const c of stage.instructions.filter((x) => x.keyword === 'COPY' || x.keyword === 'ADD')) {
      const { sources, from } = copyPaths(c.args);
      if (from) continue;
      for (const source of sources.map(normalise)) {
        if (/[*?[]/.test(source)) continue;
        if (source !== '.' && !repo.fileExists(source)) problems.push(`line ${c.line}: ${c.keyword} source ${source} does not exist`);
        if (stage !== final) continue;
        if (source === '.') problems.push(`line ${c.line}: the final stage copies the whole build context (${c.keyword} ${c.args}); copy only what the service needs`);
        const never = NEVER_IN_IMAGE.find((n) => n.re.test(source));
        if (never) problems.push(`line ${c.line}: the final stage copies ${source}: ${never.why}`);
      }
    }
    const install = stage.instructions.find((x) => x.keyword === 'RUN' && /\bnpm\s+(install|ci|i)\b/.test(x.args));
    if (install) problems.push(...missingPostinstallInputs(stage, install, repo).map((p) => `line ${install.line} (stage ${stage.name ?? i}): ${p}`));
  }

  const cmd = finalOf('CMD').at(-1);
  if (!cmd) problems.push('the final stage has no CMD');
  else {
    const argv = execForm(cmd.args);
    if (!argv) problems.push(`line ${cmd.line}: CMD is in shell form, so /bin/sh would get SIGTERM instead of the service; use the exec form ["node", ...]`);
    else {
      problems.push(...commandProblems(argv, 'start', repo, stageEnv(final)).map((p) => `CMD: ${p}`));
      if (argv.some((a) => a.startsWith('dist/'))) {
        const builds = stages.slice(0, -1).some((st) => st.instructions.some((x) => x.keyword === 'RUN' && /\bnpm\s+run\s+build\b/.test(x.args)));
        const copiesDist = finalOf('COPY').some((c) => copyPaths(c.args).from && copyPaths(c.args).sources.some((src) => /(^|\/)dist\/?$/.test(src)));
        if (!builds || !copiesDist) problems.push(`CMD runs the compiled service in dist/, but ${builds ? 'the final stage does not copy dist/ from the build stage' : 'no earlier stage runs `npm run build`'}`);
      }
    }
  }
  return problems;
}

/** The files the postinstall script (the offline Prisma generate) reads, relative to the repo. */
export function postinstallInputs(repo: Repo): string[] {
  const inputs = new Set(['package.json', 'package-lock.json']);
  let script = repo.scripts.postinstall;
  const seen = new Set<string>();
  while (script && !seen.has(script)) {
    seen.add(script);
    const run = /^npm run (\S+)$/.exec(script.trim());
    if (run) {
      script = repo.scripts[run[1]!];
      continue;
    }
    const entry = /^tsx (\S+)/.exec(script.trim())?.[1];
    if (entry) for (const file of localImports(entry, repo)) inputs.add(file);
    if (/\bgenerate\.ts\b|prisma generate/.test(script)) ['prisma.config.ts', 'prisma/schema.prisma'].forEach((f) => inputs.add(f));
    break;
  }
  return [...inputs];
}

/** `file` and the repository files it imports, transitively (relative imports only). */
function localImports(file: string, repo: Repo, found = new Set<string>()): Set<string> {
  if (found.has(file) || !repo.fileExists(file)) return found;
  found.add(file);
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
  for (const m of repo.readFile(file).matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = resolvePath(dir, m[1]!).replace(/\.js$/, '.ts');
    localImports(target, repo, found);
  }
  return found;
}

function resolvePath(dir: string, relative: string): string {
  const parts = dir === '.' ? [] : dir.split('/');
  for (const part of relative.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/** Inputs of the postinstall that the stage has not copied (to the same path) before `npm install`. */
function missingPostinstallInputs(stage: Stage, install: Instruction, repo: Repo): string[] {
  const copies = stage.instructions.filter((i) => i.keyword === 'COPY' && i.line < install.line && !copyPaths(i.args).from).map((i) => copyPaths(i.args));
  const copied = (path: string) =>
    copies.some(({ sources, dest }) =>
      sources.map(normalise).some((s) => {
        const lands = ['.', './'].includes(dest) && !s.includes('/') ? s : normalise(dest) === s ? s : null;
        return lands !== null && (path === lands || path.startsWith(`${lands}/`) || lands === '.');
      }),
    );
  return postinstallInputs(repo)
    .filter((f) => !copied(f))
    .map((f) => `npm install runs the postinstall (Prisma generate), which reads ${f}, but the stage has not copied it`);
}

// ---------------------------------------------------------------------------------------------
// Commands (compose `command`, Dockerfile CMD)

/** The source a file of `npm run build`'s output is compiled from (dist/X.js from src/X.ts). */
export function builtFrom(file: string): string {
  return /^dist\/.*\.js$/.test(file) ? `src/${file.slice('dist/'.length, -'.js'.length)}.ts` : file;
}

/** `--flag=value` as [flag, value]; `--flag` as [flag, undefined]. */
function splitOption(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return eq < 0 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)];
}

/** node options whose value is the next word. */
const NODE_OPTIONS_WITH_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--env-file', '--conditions', '-C']);

/**
 * `argv`, run with the environment `env`, must run, with node itself as the process, what
 * `npm run <script>` runs (`node FILE ARGS` or `tsx FILE ARGS`): the same file with the same
 * arguments and flags, and the variables the script sets before it. A file in dist/ is the
 * build of its source in src/ (tsconfig.build.json), which must exist. npm and npx run
 * scripts through `sh -c`, which dies on SIGTERM without passing it on, so the service's
 * graceful shutdown would never run.
 */
export function commandProblems(argv: string[], script: string, repo: Repo, env: Record<string, string>): string[] {
  const [program = ''] = argv;
  const base = program.split('/').at(-1)!;
  if (['npm', 'npx', 'yarn', 'pnpm', 'sh', 'bash'].includes(base)) {
    return [`runs \`${argv.join(' ')}\` through ${base}, which does not pass SIGTERM on to the service (npm runs scripts through sh -c); run \`node FILE\` as \`npm run ${script}\` does`];
  }
  if (base !== 'node' && base !== 'tsx') return [`runs ${program}, not node or tsx`];
  const run = invocation(argv);
  const problems: string[] = [];
  if (base === 'node' && run.file.endsWith('.ts') && !run.imports.includes('tsx')) problems.push(`runs ${run.file} with node but without --import tsx`);
  const source = builtFrom(run.file);
  if (!repo.fileExists(source)) problems.push(`runs ${run.file || '(no file)'}, which does not exist${source === run.file ? '' : ` (no ${source} to build it from)`}`);
  const scriptText = repo.scripts[script];
  if (scriptText === undefined) return [...problems, `package.json has no script ${script}`];
  const scripted = invocation(scriptText.trim().split(/\s+/));
  if (!['node', 'tsx'].includes(scripted.program) || scripted.file !== run.file || scripted.args.join(' ') !== run.args.join(' ') || scripted.flags.join(' ') !== run.flags.join(' ')) {
    problems.push(`runs \`${argv.join(' ')}\`, but \`npm run ${script}\` runs \`${scriptText}\``);
  }
  for (const [name, value] of Object.entries(scripted.env)) {
    if (env[name] !== value) problems.push(`runs without ${name}=${value}, which \`npm run ${script}\` sets${env[name] === undefined ? '' : ` (it has ${name}=${env[name]})`}`);
  }
  return problems;
}

/** `[NAME=value ...] node [FLAGS] FILE ARGS` (or `tsx FILE ARGS`) taken apart; the modules FLAGS load are `imports`. */
export function invocation(argv: string[]): { env: Record<string, string>; program: string; flags: string[]; imports: string[]; file: string; args: string[] } {
  const first = argv.findIndex((w) => !/^[A-Za-z_]\w*=/.test(w));
  const command = first < 0 ? argv.length : first;
  const env = Object.fromEntries(argv.slice(0, command).map((w) => splitOption(w) as [string, string]));
  const [path = '', ...rest] = argv.slice(command);
  const program = path.split('/').at(-1)!;
  const flags: string[] = [];
  const imports: string[] = [];
  let i = 0;
  for (; program === 'node' && i < rest.length && rest[i]!.startsWith('-'); i++) {
    const [flag, inline] = splitOption(rest[i]!);
    flags.push(rest[i]!);
    if (!NODE_OPTIONS_WITH_VALUE.has(flag)) continue;
    const value = inline ?? rest[++i] ?? '';
    if (inline === undefined) flags.push(value);
    imports.push(value);
  }
  const [file = '', ...args] = rest.slice(i);
  return { env, program, flags, imports, file, args };
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

type Service = Record<string, unknown>;

export interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

/** The compose file as data (anchors resolved); throws on invalid YAML or duplicate keys. */
export function parseCompose(text: string): Compose {
  const doc = (parseYaml(text) ?? {}) as Partial<Compose>;
  return { services: doc.services ?? {}, volumes: doc.volumes ?? {} };
}

/** A service's environment as name → value, from the map or the `NAME=value` list form. */
export function serviceEnvironment(service: Service | undefined): Record<string, string> {
  const env = service?.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => String(e)).map((e) => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, ''])));
  }
  if (env && typeof env === 'object') return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
  return {};
}

/** Compose's variable substitution: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`. */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g, (match, name?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    if (bare) return env[bare] ?? '';
    const v = env[name!];
    if (!op) return v ?? '';
    const missing = v === undefined || (op.startsWith(':') && v === '');
    if (op.endsWith('-')) return missing ? (arg ?? '') : v!;
    if (missing) throw new Error(`${name}: ${arg}`);
    return v!;
  });
}

/** docker-compose.yml's service names, by what they are. */
export const SERVICE_SCRIPTS: Record<string, string> = { api: 'start:api', worker: 'start:worker', 'pbx-sim': 'pbx-sim' };

export interface ComposeNames {
  /** Variables loadConfig reads (api, worker). */
  serviceEnv: Set<string>;
  /** Variables loadSimulatorConfig reads (pbx-sim). */
  simulatorEnv: Set<string>;
  /** Secrets the app refuses to start without in production: compose must not supply a value. */
  productionSecrets: string[];
}

/**
 * PostgreSQL, Redis, api, worker and pbx-sim exist; pbx-sim only in the `demo` profile;
 * worker scalable; api and worker wait for healthy databases; every variable set is one the
 * app reads; no secret baked in; each process runs its npm script's entry point directly.
 */
export function composeProblems(text: string, names: ComposeNames, repo: Repo): string[] {
  let compose: Compose;
  try {
    compose = parseCompose(text);
  } catch (err) {
    return [`is not valid YAML: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  const { services } = compose;
  const byImage = (re: RegExp) => Object.keys(services).find((n) => re.test(String(services[n]?.image ?? '')));
  const postgres = byImage(/^(docker\.io\/)?(library\/)?postgres(:|$)/);
  const redis = byImage(/^(docker\.io\/)?(library\/)?redis(:|$)/);
  if (!postgres) problems.push('has no PostgreSQL service (image postgres:...)');
  if (!redis) problems.push('has no Redis service (image redis:...)');
  for (const name of Object.keys(SERVICE_SCRIPTS)) if (!services[name]) problems.push(`has no ${name} service`);

  for (const [name, service] of Object.entries(services)) {
    const profiles = (service.profiles as string[] | undefined) ?? [];
    if (name === 'pbx-sim') {
      if (profiles.length !== 1 || profiles[0] !== 'demo') problems.push(`pbx-sim must be in the demo profile only, not ${JSON.stringify(profiles)}`);
    } else if (profiles.length) {
      problems.push(`${name} is in profiles ${JSON.stringify(profiles)}, so a plain \`docker compose up\` would not start it`);
    }
  }

  const worker = services.worker;
  if (worker) {
    if (worker.container_name !== undefined) problems.push('worker has a container_name, so `--scale worker=N` cannot start a second one');
    for (const port of (worker.ports as unknown[] | undefined) ?? []) {
      if (publishesHostPort(port)) problems.push(`worker publishes the fixed host port ${JSON.stringify(port)}, so \`--scale worker=N\` cannot start a second one`);
    }
  }

  for (const db of [postgres, redis].filter((n): n is string => Boolean(n))) {
    const hc = services[db]?.healthcheck as { test?: unknown; disable?: boolean } | undefined;
    if (!hc?.test || hc.disable || (Array.isArray(hc.test) && hc.test[0] === 'NONE')) problems.push(`${db} has no healthcheck, so nothing can wait for it to be healthy`);
  }
  const sim = services['pbx-sim'];
  if (sim && !(sim.healthcheck as { test?: unknown; disable?: boolean } | undefined)?.test && !(sim.healthcheck as { disable?: boolean } | undefined)?.disable) {
    problems.push("pbx-sim keeps the image's healthcheck, which asks the api's /healthz on port 3000: it would always be unhealthy");
  }

  for (const name of ['api', 'worker']) {
    const service = services[name];
    if (!service) continue;
    const deps = service.depends_on;
    for (const db of [postgres, redis].filter((n): n is string => Boolean(n))) {
      const condition = Array.isArray(deps) ? undefined : (deps as Record<string, { condition?: string }> | undefined)?.[db]?.condition;
      if (condition !== 'service_healthy') problems.push(`${name} does not wait for ${db} to be healthy (depends_on: { ${db}: { condition: service_healthy } })`);
    }
    const env = serviceEnvironment(service);
    for (const key of Object.keys(env)) if (!names.serviceEnv.has(key)) problems.push(`${name} sets ${key}, which src/config.ts does not read`);
    if (env.NODE_ENV !== 'production') problems.push(`${name} sets NODE_ENV=${env.NODE_ENV ?? '(unset)'}: without production the app starts on its development secrets`);
    for (const secret of names.productionSecrets) {
      const value = env[secret];
      if (value !== undefined && !new RegExp(`^\\$\\{${secret}(:?-|:?\\?[^}]*)?\\}$`).test(value)) {
        problems.push(`${name} gives ${secret} a value (${value}); leave it to the operator (\${${secret}:-}), the app refuses to start without it`);
      }
    }
  }
  if (sim) {
    for (const key of Object.keys(serviceEnvironment(sim))) if (!names.simulatorEnv.has(key)) problems.push(`pbx-sim sets ${key}, which src/config.ts does not read`);
  }

  // A service built from the Dockerfile runs with its final stage's ENV, then its own.
  const image = repo.fileExists('Dockerfile') ? dockerfileStages(repo.readFile('Dockerfile')).at(-1) : undefined;
  const imageEnv = image ? stageEnv(image) : {};
  for (const [name, script] of Object.entries(SERVICE_SCRIPTS)) {
    const command = services[name]?.command;
    if (!services[name]) continue;
    if (command === undefined) {
      problems.push(`${name} has no command, so it would run the image's CMD (npm start: api and worker in one)`);
      continue;
    }
    const argv = Array.isArray(command) ? command.map(String) : String(command).trim().split(/\s+/);
    const env = { ...(services[name]?.build !== undefined ? imageEnv : {}), ...serviceEnvironment(services[name]) };
    problems.push(...commandProblems(argv, script, repo, env).map((p) => `${name} ${p}`));
  }
  problems.push(...composeCommandProblems(composeCommands(text), compose).map((p) => `a comment's ${p}`));
  return problems;
}

function publishesHostPort(port: unknown): boolean {
  if (typeof port === 'number') return false;
  if (typeof port === 'string') return port.replace(/\/(tcp|udp)$/, '').split(':').length > 1;
  if (port && typeof port === 'object') return (port as { published?: unknown }).published !== undefined;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Compose commands shown in README and in the compose file's comments

/** Every `docker compose ...` / `docker-compose ...` in the text, up to the end of its code span, comment or line. */
export function composeCommands(text: string): string[] {
  return [...text.matchAll(/docker[ -]compose\b[^`#\n]*/g)].map((m) => m[0].trim());
}

const GLOBAL_OPTIONS_WITH_VALUE = new Set(['-f', '--file', '-p', '--project-name', '--profile', '--env-file', '--project-directory', '--ansi', '--log-level', '-c', '--context', '-H', '--host', '--progress', '--parallel']);
const OPTIONS_WITH_VALUE = new Set(['--scale', '-t', '--timeout', '-e', '--env', '-u', '--user', '-w', '--workdir', '--tail', '--index', '--entrypoint', '--name', '--pull', '--exit-code-from', '--attach', '--no-attach', '--wait-timeout', '--since', '--until']);
const RUN_OPTIONS_WITH_VALUE = new Set(['-v', '--volume', '-p', '--publish', '-l', '--label', '--cap-add', '--cap-drop']);
/** Subcommands whose first argument only is a service (the rest is a command or a port). */
const FIRST_ARG_SERVICE = new Set(['exec', 'run', 'port', 'attach']);
/** Subcommands whose arguments are not services. */
const NO_SERVICE_ARGS = new Set(['config', 'version', 'ls', 'cp']);
const SUBCOMMANDS = new Set([...FIRST_ARG_SERVICE, ...NO_SERVICE_ARGS, 'up', 'down', 'start', 'stop', 'restart', 'logs', 'ps', 'build', 'pull', 'push', 'create', 'kill', 'pause', 'unpause', 'rm', 'top', 'images', 'events', 'wait', 'watch', 'stats', 'scale']);

/** Services, profiles and `--scale` targets the commands name that compose does not define. */
export function composeCommandProblems(commands: string[], compose: Compose): string[] {
  const services = new Set(Object.keys(compose.services));
  const profiles = new Set(Object.values(compose.services).flatMap((s) => (s.profiles as string[] | undefined) ?? []));
  const problems: string[] = [];
  for (const command of commands) {
    const words = command.split(/\s+/);
    const end = words.findIndex((w) => ['&&', '||', '|', ';', '\\'].includes(w));
    const tokens = words.slice(words[0] === 'docker' ? 2 : 1, end < 0 ? undefined : end);
    const service = (name: string, why: string) => {
      if (!services.has(name)) problems.push(`\`${command}\` ${why} ${name}, which docker-compose.yml does not define`);
    };
    let i = 0;
    for (; i < tokens.length && tokens[i]!.startsWith('-'); i++) {
      const [flag, inline] = splitOption(tokens[i]!);
      if (!GLOBAL_OPTIONS_WITH_VALUE.has(flag)) continue;
      const value = inline ?? tokens[++i] ?? '';
      if (flag === '--profile' && !profiles.has(value)) problems.push(`\`${command}\` enables profile ${value}, which no service is in`);
    }
    const sub = tokens[i++];
    // Prose ("docker-compose 1.x refuses it") and commands without services.
    if (!sub || !SUBCOMMANDS.has(sub) || NO_SERVICE_ARGS.has(sub)) continue;
    for (; i < tokens.length; i++) {
      const word = tokens[i]!;
      if (word.startsWith('-')) {
        const [flag, inline] = splitOption(word);
        const takesValue = OPTIONS_WITH_VALUE.has(flag) || (sub === 'run' && RUN_OPTIONS_WITH_VALUE.has(flag));
        if (!takesValue) continue;
        const value = inline ?? tokens[++i] ?? '';
        if (flag === '--scale') service(value.split('=')[0]!, 'scales');
        if (['--exit-code-from', '--attach', '--no-attach'].includes(flag)) service(value, 'names');
        continue;
      }
      service(word, 'names');
      if (FIRST_ARG_SERVICE.has(sub)) break;
    }
  }
  return problems;
}

/** README's compose commands name only defined services and profiles, and show the demo profile and scaling the worker. */
export function readmeProblems(readme: string, composeText: string): string[] {
  const compose = parseCompose(composeText);
  const commands = composeCommands(readme);
  const problems = composeCommandProblems(commands, compose);
  const profiles = new Set(Object.values(compose.services).flatMap((s) => (s.profiles as string[] | undefined) ?? []));
  for (const m of readme.matchAll(/--profile[ =]([\w-]+)/g)) {
    if (!profiles.has(m[1]!)) problems.push(`mentions --profile ${m[1]}, which no service is in`);
  }
  if (!/--profile demo\b/.test(readme)) problems.push('does not show `--profile demo` (the PBX simulator)');
  if (!commands.some((c) => /--scale worker=\d+/.test(c))) problems.push('shows no compose command with `--scale worker=N`');
  return [...new Set(problems)];
}

// ---------------------------------------------------------------------------------------------
// .dockerignore

const MUST_IGNORE = [
  { any: ['node_modules', '**/node_modules'], why: "the host's node_modules (the image installs its own)" },
  { any: ['src/db/generated'], why: 'the host-generated Prisma client (the image generates its own)' },
  { any: ['.env'], why: 'secrets' },
  { any: ['.env.*', '.env*'], why: 'secrets' },
  { any: ['test', 'test/**'], why: 'test files' },
  { any: ['.git'], why: 'the repository history' },
];

export function dockerignoreProblems(text: string): string[] {
  const patterns = new Set(
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
      .map((l) => l.replace(/^\.?\//, '').replace(/\/+$/, '')),
  );
  return MUST_IGNORE.filter((m) => !m.any.some((p) => patterns.has(p))).map((m) => `does not exclude ${m.any[0]}: ${m.why}`);
}
