// Builds the GraphiQL bundle into ../../src/syncgql/static/graphiql/assets (or argv[2]).
//
// Plain esbuild, no dev server: three classic worker scripts for Monaco, then one ES-module entry
// (code-split, so Monaco and Prettier load lazily). Every file name carries a content hash, so the
// server can cache them forever; manifest.json tells the server which files the page links.
// Nothing refers to a CDN: GraphiQL's stylesheet inlines its fonts and already holds Monaco's CSS.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(
  process.argv[2] || resolve(here, '../../src/syncgql/static/graphiql/assets'),
);

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

// Monaco's modules import their own CSS; with code splitting esbuild would emit it again as
// unlinked per-chunk stylesheets. graphiql/style.css already contains all of it, so drop them.
const dropMonacoCss = {
  name: 'drop-monaco-css',
  setup(b) {
    b.onResolve({ filter: /\.css$/ }, (args) =>
      args.importer.includes('/node_modules/monaco-editor/')
        ? { path: args.path, namespace: 'syncgql-empty-css' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'syncgql-empty-css' }, () => ({
      contents: '',
      loader: 'css',
    }));
  },
};

const common = {
  absWorkingDir: here,
  bundle: true,
  minify: true,
  legalComments: 'linked',
  target: ['es2022'],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  metafile: true,
  entryNames: '[name]-[hash]',
  outdir,
};

function outputsOf(result) {
  const byEntry = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint) byEntry[meta.entryPoint] = relative(outdir, resolve(here, file));
  }
  return byEntry;
}

const workerEntries = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};
const workers = await build({ ...common, entryPoints: workerEntries, format: 'iife' });
const workerOutputs = Object.values(outputsOf(workers));
const workerFile = (name) => {
  const found = workerOutputs.find((f) => basename(f).startsWith(`${name}-`));
  if (!found) throw new Error(`worker ${name} was not built`);
  return found;
};

const main = await build({
  ...common,
  entryPoints: { graphiql: 'src/main.jsx' },
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  assetNames: 'media/[name]-[hash]',
  jsx: 'automatic',
  plugins: [dropMonacoCss],
  define: {
    ...common.define,
    __SYNCGQL_WORKERS__: JSON.stringify({
      editor: workerFile('editor.worker'),
      json: workerFile('json.worker'),
      graphql: workerFile('graphql.worker'),
    }),
  },
});

const entryJs = Object.entries(main.metafile.outputs).find(
  ([, meta]) => meta.entryPoint === 'src/main.jsx',
);
if (!entryJs) throw new Error('the GraphiQL entry was not built');
const manifest = {
  js: relative(outdir, resolve(here, entryJs[0])),
  css: entryJs[1].cssBundle ? relative(outdir, resolve(here, entryJs[1].cssBundle)) : null,
};
// The dropped Monaco stylesheets leave empty per-chunk CSS files behind; nothing links them.
for (const name of readdirSync(resolve(outdir, 'chunks'))) {
  const path = resolve(outdir, 'chunks', name);
  if (name.endsWith('.css') && statSync(path).size === 0) rmSync(path);
}
writeFileSync(resolve(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`GraphiQL assets written to ${outdir}: ${manifest.js}, ${manifest.css}`);
