import path from 'node:path';

/** The project root, both from src/ (ts-jest) and from dist/ (built). */
export const ROOT = path.resolve(__dirname, '..');
