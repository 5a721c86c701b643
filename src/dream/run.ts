import { loadConfig, loadSecrets } from '../config/index.js';
import { type HomePaths } from '../home/index.js';
import { systemClock, type Clock } from '../clock.js';
import { SearchIndex } from '../memory/index.js';
import { createJsonCompletion } from '../model/index.js';
import { Store } from '../store/index.js';
import { consolidationCompletion } from './consolidate-tool.js';
import { consolidatorFor } from './consolidators.js';
import { runDream, type DreamReport } from './dream.js';

export interface DreamInHomeOptions {
  paths: HomePaths;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  trigger: 'idle' | 'manual';
  dreamId?: string;
  progress?: (line: string) => void;
  onStaged?: () => void;
}

/**
 * A dream as a process runs it — the daemon's dream child, or `vigil dream --now`
 * when no daemon runs: its own config and store, then the search index caught up
 * while the logs are warm in the page cache.
 */
export async function dreamInHome(options: DreamInHomeOptions): Promise<DreamReport> {
  const { paths } = options;
  const clock = options.clock ?? systemClock;
  const env = options.env ?? process.env;
  const config = loadConfig(paths.config, env);
  // The model provider's key and endpoint, as decisions use them; the rules pass needs no secrets.
  const secrets = config.model.provider === 'rules' ? {} : loadSecrets(paths.secrets, env);
  const json = createJsonCompletion(config.model, { secrets, env });
  const store = Store.open(paths.db);
  try {
    const report = await runDream({
      home: paths.home,
      memoryDir: paths.memory,
      logsDir: paths.logs,
      store,
      clock,
      dream: config.dream,
      permissions: config.permissions,
      repos: config.repos,
      consolidator: consolidatorFor(config.model, json && consolidationCompletion(json)),
      trigger: options.trigger,
      ...(options.dreamId ? { dreamId: options.dreamId } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.onStaged ? { onStaged: options.onStaged } : {}),
    });
    new SearchIndex(store, paths.logs).catchUp();
    return report;
  } finally {
    store.close();
  }
}
