/**
 * The layering of src/, checked by `npm run layers` (a step of `npm test`). Dependencies point one
 * way: hosts (Electron index, serve, CLI, worker entries) -> services (services.ts, handlers, dispatch)
 * -> domain rooms (analysis, train, reports, ...) -> the app context -> ml, slides -> store -> shared.
 * Between layers of src/main only runtime imports count (a type-only import, e.g. the store naming a
 * reader's SlideMetadata, loads nothing); for the renderer, preload and electron rules types count too.
 * Small helpers every layer may use sit in UTIL. The renderer and preload see only src/shared;
 * `electron` is imported only by src/main/index.ts, src/main/electron/ and the preload.
 * A new file in src/main must belong to a layer below (the last rule says so).
 */
const UTIL = '^src/main/((errors|events|home|csv-format|cache-trim|process-alive|package-root|version)\\.ts$|workers/(entry|peer-message|forked-job)\\.ts$)';
const HOSTS = '^src/main/(index\\.ts$|serve\\.ts$|cli/|electron/|workers/[^/]+-worker\\.ts$)';
const SERVICES = '^src/main/(services|handlers|dispatch|resources|security|renderer-dist)\\.ts$';
const DOMAIN = '^src/main/(analysis|train|reports|cohorts|datasets|annotations|models)/';
// the context every room is handed (db, slide library, events, home): below the rooms, above ml/slides
const CONTEXT = '^src/main/app-context\\.ts$';
const CORE = '^src/main/(ml|slides)/';
const STORE = '^src/main/store/';
const ELECTRON = '(^|/)node_modules/electron/';

const any = (...res) => res.map((r) => `(${r})`).join('|');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'electron-only-in-adapters',
      comment: 'Only src/main/index.ts, src/main/electron/ and the preload import electron; services run in the CLI and browser mode too.',
      severity: 'error',
      from: { pathNot: '^src/main/index\\.ts$|^src/main/electron/|^src/preload/' },
      to: { path: ELECTRON },
    },
    {
      name: 'no-electron-behind-node-hosts',
      comment: 'The CLI, browser mode and the workers run in plain Node: nothing they load may pull in electron.',
      severity: 'error',
      from: { path: '^src/main/(cli/|workers/|serve\\.ts$)' },
      to: { path: ELECTRON, reachable: true },
    },
    {
      name: 'renderer-imports-only-shared',
      comment: 'The renderer talks to main through the contract (window.tessella / HTTP), never by importing src/main.',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: '^src/', pathNot: '^src/(renderer|shared)/' },
    },
    {
      name: 'preload-imports-only-shared',
      severity: 'error',
      from: { path: '^src/preload/' },
      to: { path: '^src/', pathNot: '^src/(preload|shared)/' },
    },
    {
      name: 'shared-is-the-bottom',
      comment: 'The contract is imported by every side and imports none of them.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/(main|renderer|preload)/' },
    },
    {
      name: 'hosts-are-the-top',
      comment: 'Services and everything below them never import a host (index, serve, cli, electron adapters, worker entries).',
      severity: 'error',
      from: { path: any(SERVICES, DOMAIN, CONTEXT, CORE, STORE, UTIL) },
      to: { path: HOSTS, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'services-above-domain',
      severity: 'error',
      from: { path: any(DOMAIN, CONTEXT, CORE, STORE, UTIL) },
      to: { path: SERVICES, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-above-ml-and-slides',
      comment: 'ml and slides serve analysis, train, reports, ...; they never import them.',
      severity: 'error',
      from: { path: any(CONTEXT, CORE, STORE, UTIL) },
      to: { path: DOMAIN, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'context-above-ml-and-slides',
      severity: 'error',
      from: { path: any(CORE, STORE, UTIL) },
      to: { path: CONTEXT, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ml-and-slides-above-store',
      severity: 'error',
      from: { path: any(STORE, UTIL) },
      to: { path: CORE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'store-above-util',
      severity: 'error',
      from: { path: UTIL },
      to: { path: STORE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'main-file-in-a-layer',
      comment: 'Every file in src/main belongs to a layer of .dependency-cruiser.cjs, or the rules above cannot see it.',
      severity: 'error',
      from: { path: '^src/main/', pathNot: any(HOSTS, SERVICES, DOMAIN, CONTEXT, CORE, STORE, UTIL) },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // type-only imports count: the renderer importing a type from src/main is still a dependency
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
