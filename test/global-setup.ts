import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PG_BASE_ENV } from './helpers/backend.js';
import { postgresAvailability, startCluster } from './helpers/postgres.js';

/** What tsc reads besides src/: a change to any is a reason to build again. */
const BUILD_CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
/** Left by a build that failed (tsc emits on type errors): the next run builds, and says so, again. */
const FAILED_MARK = 'dist/.build-failed';

/**
 * Whether dist/ already holds this src/: every src/**\/*.ts has its .js, and none is older
 * than its source or the build's config. CI builds dist/ in `npm ci` (prepare) before
 * `npm test`, and the Node 22 run after it: building it again there is the same output.
 */
export function distIsFresh(root: string): boolean {
  if (fs.existsSync(path.join(root, FAILED_MARK))) return false;
  const newestConfig = Math.max(...BUILD_CONFIGS.map((f) => fs.statSync(path.join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0));
  const sources = fs.readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'));
  return sources.every((e) => {
    const source = path.join(e.parentPath, e.name);
    const emitted = path.join(root, 'dist', path.relative(path.join(root, 'src'), source)).replace(/\.ts$/, '.js');
    const built = fs.statSync(emitted, { throwIfNoEntry: false })?.mtimeMs;
    return built !== undefined && built >= fs.statSync(source).mtimeMs && built >= newestConfig;
  });
}

/**
 * Process-level tests run the real `vigil` from dist/: built once, fresh, unless it already
 * is. With the backend switch on (VIGIL_TEST_STORE=postgres, test/helpers/backend.ts), one
 * throwaway cluster for the run, whose URL the test workers inherit; stopped at the end.
 */
export default async function setup(): Promise<(() => void) | undefined> {
  build();
  // Called once per project (timing, main) in one process: the first call's cluster serves both.
  if (process.env['VIGIL_TEST_STORE'] !== 'postgres' || process.env[PG_BASE_ENV]) return undefined;
  const availability = postgresAvailability();
  if (!availability.available) throw new Error(`VIGIL_TEST_STORE=postgres: ${availability.missing}`);
  const cluster = await startCluster(availability.binDir!);
  process.env[PG_BASE_ENV] = cluster.url('');
  console.log(`global-setup: VIGIL_TEST_STORE=postgres: every home on its own database of a cluster on port ${cluster.port}`);
  return () => cluster.stop();
}

function build(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  if (process.env['VIGIL_TEST_REBUILD'] !== '1' && distIsFresh(root)) {
    console.log('global-setup: dist/ is newer than every file of src/ and the build config: not built again (VIGIL_TEST_REBUILD=1 builds anyway)');
    return;
  }
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
    fs.rmSync(path.join(root, FAILED_MARK), { force: true });
  } catch (err) {
    fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(root, FAILED_MARK), '');
    // tsc still emits on type errors (status 2). Several people refactoring one checkout
    // may opt in to testing their room while another room's file is mid-edit; CI never does.
    const status = (err as { status?: number }).status;
    if (!(process.env['VIGIL_TEST_TOLERATE_TYPE_ERRORS'] === '1' && status === 2)) throw err;
    console.warn('global-setup: dist/ built with type errors (VIGIL_TEST_TOLERATE_TYPE_ERRORS=1)');
  }
}
