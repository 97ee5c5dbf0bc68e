// The import rules `npm test` enforces (npm run lint:deps). See docs/architecture.md.
// Platform folders serve every feature; any other folder under src/ is a feature module.
const PLATFORM =
  'events|common|config|database|logging|metrics|security|health';
const FEATURE = `^src/(?!(?:${PLATFORM})/)([^/]+)/`;

module.exports = {
  forbidden: [
    {
      name: 'events-through-index',
      comment:
        'Outside src/events, the event platform is used through src/events/index.ts only: its ' +
        'internals may change without notice.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/events/' },
      to: { path: '^src/events/', pathNot: '^src/events/index\\.ts$' },
    },
    {
      name: 'features-talk-through-events',
      comment:
        "A feature module may use another's published event classes (<module>/event/) and " +
        'nothing else of it: modules talk through events.',
      severity: 'error',
      from: { path: FEATURE },
      to: { path: FEATURE, pathNot: ['^src/$1/', '^src/[^/]+/event/'] },
    },
    {
      name: 'platform-knows-no-feature',
      comment:
        'The platform folders serve every feature and know none of them.',
      severity: 'error',
      from: { path: `^src/(?:${PLATFORM})/` },
      to: { path: FEATURE },
    },
    {
      name: 'no-circular',
      comment: 'No file imports itself through others.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve packages as Node's ESM loader does (uuid, for one, only exports "import").
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
    },
  },
};
