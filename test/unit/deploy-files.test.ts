import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES, loadConfig, loadSimulatorConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import {
  composeProblems,
  dockerfileLintProblems,
  dockerfileProblems,
  dockerfileStages,
  dockerignoreProblems,
  interpolate,
  parseCompose,
  readmeProblems,
  serviceEnvironment,
  type ComposeNames,
  type Repo,
} from '../support/deploy-checks.js';

// No Docker engine runs in CI: these read the deploy files as text (CI also runs
// `docker-compose config -q`, see .ci/run).
const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const repo: Repo = {
  scripts: (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts,
  fileExists: (path) => path !== '' && existsSync(join(root, path)),
  readFile: read,
};
const dockerfile = read('Dockerfile');
const dockerignore = read('.dockerignore');
const composeText = read('docker-compose.yml');
const readme = read('README.md');
const names: ComposeNames = {
  serviceEnv: new Set(ENV_NAMES.service),
  simulatorEnv: new Set(ENV_NAMES.simulator),
  productionSecrets: ENV_NAMES.productionSecrets,
};

/** `text` with `from` replaced; throws if `from` is not there, so a stale mutation cannot pass unnoticed. */
function broken(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`nothing to break: ${String(from)} is not in the file`);
  return out;
}

describe('the Dockerfile', () => {
  it('lints without errors or warnings (dockerfile-utils)', () => {
    expect(dockerfileLintProblems(dockerfile)).toEqual([]);
  });

  it('builds a multi-stage, non-root Node 20 image with espeak-ng and sox, the codecall command, and npm start as its command', () => {
    expect(dockerfileStages(dockerfile).length).toBeGreaterThanOrEqual(2);
    expect(dockerfileProblems(dockerfile, repo)).toEqual([]);
  });

  it('is refused by the linter when it has a malformed instruction', () => {
    const bad = broken(dockerfile, 'HEALTHCHECK --interval=15s', 'HEALTHCHECK --interval=15 seconds');
    expect(dockerfileLintProblems(bad).join('\n')).toMatch(/error: .*duration/);
    expect(dockerfileLintProblems(`${dockerfile}cmd ["node"]\n`).join('\n')).toMatch(/warning: .*(uppercase|one CMD)/);
  });

  it.each([
    ['its final stage sets no USER', ['USER node\n', ''], /sets no USER/],
    ['its final stage runs as root', ['USER node', 'USER root'], /runs as root/],
    ['its final stage runs as uid 0', ['USER node', 'USER 0:0'], /runs as 0/],
    ['it has a single stage', [/FROM node:20-bookworm-slim AS deps[\s\S]*?(?=FROM node:20-bookworm-slim AS runtime)/, ''], /has 1 build stage/],
    ['its final stage copies nothing from an earlier stage', [/COPY --from=\w+.*\n/g, ''], /copies nothing from an earlier stage/],
    ['it is not based on Node 20', ['node:20-bookworm-slim AS runtime', 'node:22-bookworm-slim AS runtime'], /runtime is based on node:22-bookworm-slim, not Node 20/],
    ['it leaves out sox', ['espeak-ng sox', 'espeak-ng'], /does not apt-get install sox/],
    ['it copies the whole build context', ['COPY bin ./bin\nCOPY src ./src', 'COPY bin ./bin\nCOPY . .'], /copies the whole build context/],
    ['it copies the tests', ['COPY bin ./bin\nCOPY src ./src', 'COPY bin ./bin\nCOPY src ./src\nCOPY test ./test'], /copies test: test files/],
    ['it copies a file that does not exist', ['COPY tts ./tts', 'COPY voices ./voices'], /source voices does not exist/],
    ['npm install runs before a file the postinstall reads is copied', ['COPY src/db/paths.ts ./src/db/paths.ts\n', ''], /reads src\/db\/paths\.ts/],
    ['the codecall command is not on PATH', ['ln -s /app/bin/codecall.mjs /usr/local/bin/codecall \\\n && ', ''], /codecall command on PATH/],
    ['CMD runs through npx', ['CMD ["node", ', 'CMD ["npx", "node", '], /through npx, which does not pass SIGTERM/],
    ['CMD is in shell form', ['CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=100", "dist/main/start.js", "all"]', 'CMD node dist/main/start.js all'], /shell form/],
    ['CMD runs something npm start does not', ['"dist/main/start.js", "all"]', '"dist/main/start.js", "api"]'], /`npm run start` runs `MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=4 --heap-growing-percent=100 dist\/main\/start\.js all`/],
    ['CMD leaves out the node flags npm start gives', ['CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=100", ', 'CMD ["node", '], /runs `node dist\/main\/start\.js all`, but `npm run start` runs `MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=4/],
    ['CMD leaves out one of the node flags npm start gives', ['"--heap-growing-percent=100", "dist/main/start.js", "all"]', '"dist/main/start.js", "all"]'], /runs `node --max-semi-space-size=4 dist\/main\/start\.js all`, but `npm run start` runs `MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=4 --heap-growing-percent=100/],
    ['the image leaves out the variable npm start sets', ['ENV MALLOC_MMAP_THRESHOLD_=131072\n', ''], /CMD: runs without MALLOC_MMAP_THRESHOLD_=131072, which `npm run start` sets/],
    ['the image sets the variable npm start sets to another value', ['ENV MALLOC_MMAP_THRESHOLD_=131072', 'ENV MALLOC_MMAP_THRESHOLD_=65536'], /CMD: runs without MALLOC_MMAP_THRESHOLD_=131072, which `npm run start` sets \(it has MALLOC_MMAP_THRESHOLD_=65536\)/],
    ['CMD runs the TypeScript sources instead of the build', ['CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=100", "dist/main/start.js", "all"]', 'CMD ["node", "--import", "tsx", "src/main/start.ts", "all"]'], /`npm run start` runs `MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=4 --heap-growing-percent=100 dist\/main\/start\.js all`/],
    ['nothing builds the dist/ that CMD runs', [' && npm run build', ''], /no earlier stage runs `npm run build`/],
    ['the final stage does not copy the build', ['COPY --from=build /app/dist ./dist\n', ''], /does not copy dist\/ from the build stage/],
  ] as const)('is rejected when %s', (_case, [from, to], problem) => {
    expect(dockerfileProblems(broken(dockerfile, from, to), repo).join('\n')).toMatch(problem);
  });
});

describe('.dockerignore', () => {
  it("keeps the host's node_modules and generated client, secrets, tests and .git out of the build context", () => {
    expect(dockerignoreProblems(dockerignore)).toEqual([]);
  });

  it.each([
    ['node_modules', /does not exclude node_modules/],
    ['test', /does not exclude test: test files/],
    ['.env.*', /does not exclude \.env\.\*: secrets/],
  ])('is rejected when it lets %s in', (pattern, problem) => {
    expect(dockerignoreProblems(broken(dockerignore, new RegExp(`^(\\*\\*/)?${pattern.replace(/[.*]/g, '\\$&')}$`, 'm'), '')).join('\n')).toMatch(problem);
  });
});

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, Redis, api and worker, the simulator in the demo profile, and scales the worker', () => {
    expect(composeProblems(composeText, names, repo)).toEqual([]);
    expect(Object.keys(parseCompose(composeText).services).sort()).toEqual(['api', 'pbx-sim', 'postgres', 'redis', 'worker']);
  });

  it('knows the variable names src/config.ts reads', () => {
    expect([...names.serviceEnv]).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'PBX_URL', 'PBX_EVENTS_URL', 'CODE_HMAC_SECRET_FILE']));
    expect([...names.simulatorEnv]).toEqual(expect.arrayContaining(['SIM_PORT', 'SIM_HOST']));
    expect(names.productionSecrets.sort()).toEqual(['CALLBACK_SECRET', 'CODE_HMAC_SECRET', 'PBX_REPORT_SECRET']);
  });

  const services = parseCompose(composeText).services;
  const secrets = { PBX_REPORT_SECRET: 'report-secret-0123456789', CODE_HMAC_SECRET: 'hmac-secret-0123456789', CALLBACK_SECRET: 'callback-secret-0123456789' };
  const resolved = (service: string, env: Record<string, string>) =>
    Object.fromEntries(Object.entries(serviceEnvironment(services[service])).map(([k, v]) => [k, interpolate(v, env)]));

  it.each(['api', 'worker'])('gives %s an environment the app starts with once the operator sets the secrets (demo defaults otherwise)', (service) => {
    const config = loadConfig(resolved(service, secrets));
    expect(config.env).toBe('production');
    expect(config.pbx.url.href).toBe('http://pbx-sim:8088/');
    expect(config.pbx.eventsUrl?.href).toBe('http://api:3000/');
    expect(config.media.dir).toBe('/app/media');
  });

  it('leaves the secrets to the operator: without them api and worker refuse to start, naming each', () => {
    let error: unknown;
    try {
      loadConfig(resolved('api', {}));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of Object.keys(secrets)) expect((error as Error).message).toContain(name);
  });

  it('gives the simulator an environment it starts with, listening for the api inside compose', () => {
    const sim = loadSimulatorConfig(resolved('pbx-sim', {}));
    expect(sim).toMatchObject({ host: '0.0.0.0', port: 8088 });
  });

  it.each([
    ['worker has a container_name', ['  worker:\n', '  worker:\n    container_name: codecall-worker\n'], /worker has a container_name/],
    ['worker publishes a fixed host port', ['  worker:\n', '  worker:\n    ports:\n      - "3001:3000"\n'], /worker publishes the fixed host port "3001:3000"/],
    ['the simulator is not in the demo profile', ['    profiles: ["demo"]\n', ''], /pbx-sim must be in the demo profile only/],
    ['the simulator is in another profile too', ['profiles: ["demo"]', 'profiles: ["demo", "dev"]'], /pbx-sim must be in the demo profile only/],
    ['there is no Redis', [/ {2}redis:\n {4}image: redis:7/, '  cache:\n    image: memcached:1'], /has no Redis service/],
    ['api sets a variable the app does not read', ['  REDIS_URL:', '  REDIS_HOST: redis\n  REDIS_URL:'], /api sets REDIS_HOST, which src\/config\.ts does not read/],
    ['the simulator sets a variable it does not read', ['SIM_PORT: "8088"', 'SIM_PORT: "8088"\n      SIM_LISTEN: "8088"'], /pbx-sim sets SIM_LISTEN/],
    ['api does not wait for a healthy PostgreSQL', ['postgres: { condition: service_healthy }', 'postgres: { condition: service_started }'], /api does not wait for postgres to be healthy/],
    ['worker lists its dependencies without conditions', [/(command: \["node", "--max-semi-space-size=4", "--heap-growing-percent=100", "dist\/main\/start\.js", "worker"\][\s\S]*?)depends_on:\n.*\n.*\n/, '$1depends_on: [postgres, redis]\n'], /worker does not wait for redis to be healthy/],
    ['Redis has no healthcheck', [/(redisdata:\/data\n) {4}healthcheck:\n(.*\n){4}/, '$1'], /redis has no healthcheck/],
    ["the simulator keeps the image's healthcheck", [/(SIM_TIME_SCALE[\s\S]*?)healthcheck:\n(.*\n){3}/, '$1'], /pbx-sim keeps the image's healthcheck/],
    ['a secret has a default', ['${CODE_HMAC_SECRET:-}', '${CODE_HMAC_SECRET:-change-me-change-me}'], /gives CODE_HMAC_SECRET a value/],
    ['NODE_ENV is not production', ['NODE_ENV: production', 'NODE_ENV: development'], /NODE_ENV=development/],
    ['worker runs through npm', ['["node", "--max-semi-space-size=4", "--heap-growing-percent=100", "dist/main/start.js", "worker"]', '["npm", "run", "start:worker"]'], /worker runs `npm run start:worker` through npm/],
    ['worker runs a file that does not exist', ['"dist/main/start.js", "worker"]', '"dist/main/worker.js"]'], /worker runs dist\/main\/worker\.js, which does not exist \(no src\/main\/worker\.ts to build it from\)/],
    ['worker runs what another script runs', ['"dist/main/start.js", "worker"]', '"dist/main/start.js", "all"]'], /worker runs `node --max-semi-space-size=4 --heap-growing-percent=100 dist\/main\/start\.js all`, but `npm run start:worker` runs/],
    ['a comment shows a service that does not exist', ['--scale worker=3', '--scale workers=3'], /scales workers, which docker-compose\.yml does not define/],
    ['it is not valid YAML', ['  worker:\n', '  worker:\n   build: .\n'], /not valid YAML/],
  ] as const)('is rejected when %s', (_case, [from, to], problem) => {
    expect(composeProblems(broken(composeText, from, to), names, repo).join('\n')).toMatch(problem);
  });
});

describe("README's docker section", () => {
  it('shows compose commands that name only services and profiles the compose file defines, with --profile demo and --scale worker=N', () => {
    expect(readmeProblems(readme, composeText)).toEqual([]);
  });

  it.each([
    ['it scales a service that does not exist', ['--scale worker=3', '--scale workers=3'], /scales workers, which docker-compose\.yml does not define/],
    ['it shows no --scale worker=N', ['--scale worker=3', ''], /no compose command with `--scale worker=N`/],
    ['it names a profile that does not exist', ['`--profile demo`', '`--profile sim`'], /--profile sim, which no service is in/],
    ['it does not show --profile demo', ['`--profile demo`', 'the demo profile'], /does not show `--profile demo`/],
    ['it logs a service that does not exist', ['`docker compose up -d --scale worker=3`', '`docker compose up -d --scale worker=3`, `docker compose logs -f api workers`'], /names workers/],
  ] as const)('is rejected when %s', (_case, [from, to], problem) => {
    expect(readmeProblems(broken(readme, from, to), composeText).join('\n')).toMatch(problem);
  });
});
