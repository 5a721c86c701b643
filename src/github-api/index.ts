/**
 * vigil on GitHub, from the execution worker: the Octokit clients (token or GitHub
 * App), the exactly-once effects, and the missed-delivery sweep. Only the worker loads
 * this folder, and only by dynamic import when a GitHub action or a sweep needs it;
 * `./types.js` is the part others may import statically (types only).
 */
export { openGithub, githubCredentials } from './session.js';
export { GithubClients, GithubOctokit, githubApiUrl, splitRepo } from './client.js';
export { withDisclosure, carriesMarker } from './disclosure.js';
export { githubIdentity, convertAppManifest, githubWebUrl } from './identity.js';
export type { GithubSession, GithubQuery, WrittenResult, OpenWorkDigest, SweepMemory, AskedRedelivery } from './types.js';
export { openTeamGithub, type TeamGithubSession } from './team-session.js';
