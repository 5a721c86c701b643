// The rooms of src/ and the arrows between them (docs/architecture.md). `npm run lint`
// runs this before eslint; test/lint/boundaries.test.ts proves a violation fails it.
//
// A room is a folder directly under src/. Other rooms see only its index.ts; the files
// directly under src/ (clock, errors, events, …) are the shared kernel every room uses.

/** "x never reaches y": not directly, and not through any chain of imports. */
const NEVER = [
  ['triggers', ['model', 'exec']],
  ['initiative', ['exec']],
  ['policy', ['model']],
  ['exec', ['initiative']],
  ['dream', ['exec']],
  ['logs', ['store']],
  ['model', ['store']],
];

module.exports = {
  forbidden: [
    {
      name: 'room-surface',
      comment:
        "Import another room only through its index.ts: the surface is what the room promises; its other files may change. Tests may import internals.",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    ...NEVER.map(([room, targets]) => ({
      name: `never-${room}-to-${targets.join('-or-')}`,
      comment: `${room} must never reach ${targets.join(' or ')} (docs/architecture.md, "the nevers").`,
      severity: 'error',
      from: { path: `^src/${room}/` },
      to: { path: `^src/(${targets.join('|')})/`, reachable: true },
    })),
    {
      name: 'no-circular-rooms',
      comment: 'Rooms form layers: no import runs back up, so no cycle between folders.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { circular: true, path: '^src/[^/]+/', pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test|bench)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
