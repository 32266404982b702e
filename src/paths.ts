import path from 'node:path';

/** The project root, both from src/ (ts-jest) and from dist/ (built). */
export const ROOT = path.resolve(__dirname, '..');
/**
 * The Teams tab's built page (npm run build: web/tab → here), served under /tab/. Its own folder, apart
 * from dist/tab (the server's compiled src/tab), so no server module is ever served as a page file.
 */
export const TAB_PAGE_DIR = path.join(ROOT, 'dist', 'tab-page');
