// Import rules checked by `npm run lint:deps` (part of `npm test`); docs/architecture.md says why each holds.
/** @type {import('dependency-cruiser').IConfiguration} */
const cloudSdks =
  '^(node_modules/)?(firebase-admin|firebase-functions|firebase|@firebase|@google-cloud|@google/genai|@sentry|google-auth-library|onnxruntime-node|express)(/|$)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'An import cycle makes module start-up order matter and hides which module owns what. Cycles made ' +
        'only of type imports are erased at run time and allowed (an interface may name its implementation).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'core-has-no-cloud-sdk',
      severity: 'error',
      comment: 'packages/core is the pure library shared by the CLI, the functions and the model server.',
      from: { path: '^packages/core/src' },
      to: { path: cloudSdks },
    },
    {
      name: 'core-fs-only-in-readers',
      severity: 'error',
      comment: 'File access in the core belongs to its readers, importers and CLI; the analytics take data.',
      from: { path: '^packages/core/src', pathNot: '^packages/core/src/(readers|importers|cli)/' },
      to: { path: '^(node:)?fs(/promises)?$' },
    },
    {
      name: 'functions-and-inference-run-apart',
      severity: 'error',
      comment: 'functions and inference-run share only the core contracts, never each other.',
      from: { path: '^functions/src/' },
      to: { path: '^inference-run/' },
    },
    {
      name: 'inference-run-and-functions-apart',
      severity: 'error',
      from: { path: '^inference-run/src/' },
      to: { path: '^functions/' },
    },
    {
      name: 'core-imports-no-app',
      severity: 'error',
      comment: 'The core depends on nothing else in the repository.',
      from: { path: '^packages/core/' },
      to: { path: '^(functions|inference-run|web|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Workspace-local node_modules and build outputs; the root node_modules stays, so that imports of
    // cloud SDKs resolve and the core rule can see them.
    exclude: {
      path: '^(\\.cache|\\.tools)/|^(functions|inference-run|web|packages/[^/]+)/(node_modules|dist|lib)/',
    },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    builtInModules: { add: [] },
  },
};
