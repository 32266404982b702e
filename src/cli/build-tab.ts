/**
 * Builds the Teams tab's page (docs/tab.md): web/tab/src/main.ts → dist/tab-page/app.js and
 * web/tab/src/config.ts → dist/tab-page/config.js (esbuild: one minified ES2020 bundle each, teams-js and
 * chart.js included), plus index.html, config.html and styles.css copied as they are. The server
 * serves dist/tab-page under /tab/; every path in the page is relative to it.
 *
 * `npm run build` runs it after tsc; the e2e test calls buildTab() itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, TAB_PAGE_DIR } from '../paths';

export const TAB_SOURCE = path.join(ROOT, 'web', 'tab');
export const TAB_OUT = TAB_PAGE_DIR;
const STATIC_FILES = ['index.html', 'config.html', 'styles.css'];

export async function buildTab(opts: { outDir?: string; minify?: boolean } = {}): Promise<{ outDir: string; files: string[] }> {
  // esbuild is a build-time tool (devDependency): loaded only when the tab is built.
  const esbuild = await import('esbuild');
  const outDir = opts.outDir ?? TAB_OUT;
  fs.mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(TAB_SOURCE, 'src', 'main.ts'), config: path.join(TAB_SOURCE, 'src', 'config.ts') },
    outdir: outDir,
    bundle: true,
    minify: opts.minify ?? true,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    sourcemap: 'linked',
    legalComments: 'linked',
    tsconfig: path.join(TAB_SOURCE, 'tsconfig.json'),
    logLevel: 'silent',
    metafile: true,
  });
  for (const w of result.warnings) console.warn(`build-tab: ${w.text}`);
  for (const f of STATIC_FILES) fs.copyFileSync(path.join(TAB_SOURCE, f), path.join(outDir, f));
  const files = fs.readdirSync(outDir).sort();
  return { outDir, files };
}

if (require.main === module) {
  buildTab().then(
    ({ outDir, files }) => console.log(`Tab built in ${path.relative(ROOT, outDir)}: ${files.join(', ')}`),
    (err: Error) => {
      console.error(`The tab could not be built: ${err.message}`);
      process.exit(1);
    },
  );
}
