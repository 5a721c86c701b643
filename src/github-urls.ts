/**
 * Where GitHub is, as plain strings: a kernel file so that a room which only shows links
 * (the dashboard) need not load Octokit with src/github-api.
 */

export const DEFAULT_API_URL = 'https://api.github.com';

/** `GITHUB_API_URL`, else api.github.com (docs/contract.md). */
export function githubApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_API_URL?.trim().replace(/\/+$/, '') || DEFAULT_API_URL;
}

/**
 * Where people use GitHub for this API: github.com for api.github.com, the server itself
 * for GitHub Enterprise (`https://host/api/v3`), else the same origin (a test's fake).
 */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname.startsWith('api.')) return `${url.protocol}//${url.host.slice(4)}`;
  return url.origin;
}
