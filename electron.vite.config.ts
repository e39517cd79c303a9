import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';

const shared = { '@shared': resolve(__dirname, 'src/shared') };

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    resolve: { alias: shared },
    build: {
      rollupOptions: {
        // Workers are entries of their own: heavy work runs in them, off the main process. The CLI
        // shares the bundle (bin/tessella.mjs runs it when it is newer than the sources): a
        // bundled start costs a quarter of running the TypeScript through tsx.
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/main/cli/main.ts'),
          'slide-infer-worker': resolve(__dirname, 'src/main/workers/slide-infer-worker.ts'),
          'train-worker': resolve(__dirname, 'src/main/workers/train-worker.ts'),
          'cv-worker': resolve(__dirname, 'src/main/workers/cv-worker.ts'),
          'geojson-worker': resolve(__dirname, 'src/main/workers/geojson-worker.ts'),
          'umap-worker': resolve(__dirname, 'src/main/workers/umap-worker.ts'),
          'onnx-session-worker': resolve(__dirname, 'src/main/workers/onnx-session-worker.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias: shared },
    // A sandboxed preload cannot require npm packages, so everything it needs is bundled in.
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src/preload/index.ts') }, output: { format: 'cjs' } } },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    resolve: { alias: shared },
    plugins: [react()],
    base: './',
    build: { outDir: resolve(__dirname, 'out/renderer'), rollupOptions: { input: resolve(__dirname, 'src/renderer/index.html') } },
  },
});
