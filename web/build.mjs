// Builds the dashboard into OUT: index.html and assets/main-HASH.{js,css}
// (hashed names: the server lets browsers cache them for good).
//
//   node build.mjs --out DIR [--node-modules DIR]
//
// --node-modules: where `npm ci` installed the packages (web/dashboard.cmake
// installs them in the build tree, not in web/).
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? resolve(args[i + 1]) : fallback;
};
const out = option('--out', join(here, 'dist'));
const nodeModules = option('--node-modules', join(here, 'node_modules'));
const require = createRequire(join(nodeModules, 'noop.js'));
const esbuild = require('esbuild');

const started = Date.now();
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await esbuild.build({
  entryPoints: [join(here, 'src/main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  charset: 'ascii', // the files are embedded into C++ as text
  legalComments: 'eof',
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  nodePaths: [nodeModules],
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => resolve(p));
const pick = (ext) => {
  const file = outputs.find((p) => p.endsWith(ext));
  if (!file) throw new Error(`build.mjs: no ${ext} output`);
  return relative(out, file).split('\\').join('/');
};
const html = readFileSync(join(here, 'src/index.html'), 'utf8')
  .replace('%JS%', pick('.js'))
  .replace('%CSS%', pick('.css'));
writeFileSync(join(out, 'index.html'), html);
const sizes = outputs.map((p) => `${relative(out, p)} ${(readFileSync(p).length / 1024).toFixed(0)} KiB`);
console.log(`dashboard: ${sizes.join(', ')} in ${Date.now() - started} ms -> ${out}`);
