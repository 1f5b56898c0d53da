// Loaded first by every process that runs Marquee's TypeScript: `node --import @marquee/platform-runtime/register
// src/main.ts` (./marquee, the images' CMD, the package scripts, the tests' and benches' child processes).
//
// Node 24 runs .ts files itself: it strips the type annotations (replaces them with spaces, so line and column
// numbers stay true and no source map is needed) and runs what is left. Two things it leaves to us:
// - resolution: our imports name modules without an extension (`./config`, `../domain/rules`), as the TypeScript
//   sources have always been written for a bundler-style resolver; Node's ESM resolver wants the file's own name.
//   The hook below tries `<specifier>.ts` and `<specifier>/index.ts` for a relative or absolute specifier that
//   names no file extension in one of our .ts files, before Node's resolution; everything else (packages, node:
//   builtins, files with an extension, and every import inside node_modules: a CommonJS package's own requires
//   are how Node finds the names it re-exports) goes to Node untouched.
// - syntax: only erasable TypeScript runs (no enums, namespaces or parameter properties); tsconfig's
//   erasableSyntaxOnly makes `pnpm typecheck` reject the rest.
// This replaced tsx as the runtime: a process starts in about 0.65 s instead of 0.9-1.05 s and the images carry no
// esbuild; per-request CPU measured the same (tsx's esbuild transform with keepNames and source maps cost nothing
// measurable once loaded).
import { existsSync, lstatSync } from 'node:fs';
import * as nodeModule from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// node:module is imported as a namespace: a named import of registerHooks fails to link on a Node without it (Node
// 20), with a stack trace, before this check could say which Node to use.
if (!process.features.typescript || typeof nodeModule.registerHooks !== 'function') {
  process.stderr.write(
    `Marquee runs its TypeScript with Node's type stripping, which this Node (${process.version}) does not have: ` +
      'run it with Node 24 (./marquee and scripts/ensure-node.sh bring one into .marquee/node).\n',
  );
  process.exit(1);
}

/** Extensions Node resolves as written: a specifier ending in one of them is a file name already. */
const KNOWN = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.node', '.wasm']);

/** A relative or absolute specifier without a file extension, written in one of our TypeScript files. */
function needsTs(specifier, parentURL) {
  if (!parentURL || !/\.[mc]?ts$/.test(parentURL) || parentURL.includes('/node_modules/')) return false;
  if (!(specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/'))) return false;
  return !KNOWN.has(path.extname(specifier));
}

/** Our imports without an extension: `<specifier>.ts`, then `<specifier>/index.ts`, before Node's resolution. */
function resolveTs(specifier, context, nextResolve) {
  if (needsTs(specifier, context.parentURL)) {
    for (const candidate of [`${specifier}.ts`, `${specifier}/index.ts`]) {
      try {
        return nextResolve(candidate, context);
      } catch (error) {
        if (error?.code !== 'ERR_MODULE_NOT_FOUND' && error?.code !== 'MODULE_NOT_FOUND') throw error;
      }
    }
  }
  return nextResolve(specifier, context);
}

// A package's own imports, answered here. For each file it resolves, Node looks up the file's package scope to
// tell its format, and drizzle-orm's package.json (177 KB of "exports") was read for each of its ~450 files:
// 1.2 of the 1.4 s of CPU that loading drizzle took, in every process that runs a service or a command's work.
// A .js file's relative import of another .js file in the same package scope (the same nearest package.json, as
// Node finds it) has the importer's format; when Node named that format ("module" or "commonjs" from a package's
// "type", never for a file whose format Node detects from its syntax), the import is answered with it, for a
// plain file that exists (a missing one or a symlink goes to Node, for its own error and its real path).
/** The format Node's resolution gave each module URL, where it gave one. */
const formats = new Map();
/** Each folder's package scope: the nearest folder up holding a package.json, null past a node_modules folder. */
const scopes = new Map();

function scopeOf(dir) {
  let scope = scopes.get(dir);
  if (scope === undefined) {
    const up = path.dirname(dir);
    if (existsSync(path.join(dir, 'package.json'))) scope = dir;
    else if (path.basename(dir) === 'node_modules' || up === dir) scope = null;
    else scope = scopeOf(up);
    scopes.set(dir, scope);
  }
  return scope;
}

function withinPackage(specifier, parentURL) {
  if (!parentURL?.endsWith('.js') || !parentURL.startsWith('file:') || !parentURL.includes('/node_modules/')) return;
  if (!(specifier.startsWith('./') || specifier.startsWith('../')) || !specifier.endsWith('.js')) return;
  if (/[?#%]/.test(specifier)) return;
  const format = formats.get(parentURL);
  if (format !== 'module' && format !== 'commonjs') return;
  const url = new URL(specifier, parentURL);
  const file = fileURLToPath(url);
  const scope = scopeOf(path.dirname(fileURLToPath(parentURL)));
  if (scope === null || scopeOf(path.dirname(file)) !== scope) return;
  try {
    if (!lstatSync(file).isFile()) return;
  } catch {
    return;
  }
  return { url: url.href, format, shortCircuit: true };
}

nodeModule.registerHooks({
  resolve(specifier, context, nextResolve) {
    const own = withinPackage(specifier, context.parentURL);
    const result = own ?? resolveTs(specifier, context, nextResolve);
    if (result.format === 'module' || result.format === 'commonjs') formats.set(result.url, result.format);
    return result;
  },
});
