import fs from 'node:fs';
import { homePaths } from './paths.js';

/** A home is set up once `vigil init` has written its config and its secrets. */
export function isInitialised(home: string): boolean {
  const paths = homePaths(home);
  return fs.existsSync(paths.config) && fs.existsSync(paths.secrets);
}
