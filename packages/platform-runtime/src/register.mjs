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
// node:module as a namespace: a named import of registerHooks fails to link on a Node without it (Node 20), with a
// stack trace before the check below could say which Node to use.
import * as nodeModule from 'node:module';
import path from 'node:path';

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

nodeModule.registerHooks({
  resolve(specifier, context, nextResolve) {
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
  },
});
