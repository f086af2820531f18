import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** `npx vite build --config examples/train-in-browser/vite.config.ts` writes dist/examples/train-in-browser, which the dashboard server serves. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/examples/train-in-browser', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  worker: { format: 'es' },
  // The run records name each layer by its class (constructor.name), which minifying would mangle.
  esbuild: { keepNames: true },
});
