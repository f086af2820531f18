import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The dashboard page: `npx vite build --config src/dashboard/vite.config.ts` writes dist/dashboard. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
});
