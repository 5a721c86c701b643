/**
 * vigil on GitHub, from the execution worker: the Octokit clients (token or GitHub
 * App), the exactly-once effects, and the missed-delivery sweep. Only the worker loads
 * this folder, and only by dynamic import when a GitHub action or a sweep needs it;
 * `./types.js` is the part others may import statically (types only).
 */
export { openGithub, githubCredentials, type SessionOptions } from './session.js';
export { GithubClients, GithubOctokit, githubApiUrl, splitRepo, DEFAULT_API_URL, type ClientOptions, type RateLimitNotice } from './client.js';
export { commentOnce, createIssueOnce, addLabels, type EffectOptions } from './effects.js';
export { sweepMissedDeliveries, type HookLocation, type SweepDeps } from './redeliver.js';
export { actionMarker, disclosureLine, withDisclosure, carriesMarker } from './disclosure.js';
export type { GithubCredentials, GithubSession, ActionRef, WrittenResult, LabelResult, SweepResult } from './types.js';
