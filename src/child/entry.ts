/** Is this module TypeScript source (under the test runner) rather than the build? */
const fromSource = import.meta.url.endsWith('.ts');

/**
 * The entry file of a child process or thread, for `child_process.fork` or `new Worker`:
 * `builtPath` is the file's place in the build (`exec/worker-main.js`). Under the test
 * runner the caller is TypeScript source and the child runs from dist/ (tests build
 * first); in the build it is the .js beside its caller. This file sits one folder deep
 * in both trees, so one relative URL serves every room.
 */
export function childEntry(builtPath: string): URL {
  return new URL(fromSource ? `../../dist/${builtPath}` : `../${builtPath}`, import.meta.url);
}
