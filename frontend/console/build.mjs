// Builds the console into ../../src/syncgql/static/console/assets (or argv[2]) with esbuild:
// one code-split ES-module entry and its stylesheet, content-hashed names (cached for a year),
// and manifest.json naming the entry files for the server. Nothing refers to any other host.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] || resolve(here, '../../src/syncgql/static/console/assets'));
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  absWorkingDir: here,
  entryPoints: { console: 'src/main.tsx' },
  bundle: true,
  minify: true,
  format: 'esm',
  splitting: true,
  target: ['es2022'],
  jsx: 'automatic',
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  metafile: true,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunks/[name]-[hash]',
  outdir,
});
const entry = Object.entries(result.metafile.outputs).find(([, m]) => m.entryPoint === 'src/main.tsx');
if (!entry) throw new Error('the console entry was not built');
const manifest = {
  js: relative(outdir, resolve(here, entry[0])),
  css: entry[1].cssBundle ? relative(outdir, resolve(here, entry[1].cssBundle)) : null,
};
writeFileSync(resolve(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`console assets written to ${outdir}: ${manifest.js}, ${manifest.css}`);
