import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/**
 * The admin console: built by `npm run build:console` (and by `npm start` when the
 * build is missing or stale) into dist/console, which the API serves at /.
 * `npm run dev:console` serves it with hot reload and proxies the API to a
 * server started with `npm start` on port 2212.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: process.env.CONSOLE_OUT_DIR ?? fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    // The budget that matters is the gzipped initial JavaScript (< 300 KB, checked by the
    // browser tests and reported by npm run measure:console); minified, the entry is ~560 KB.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/health', '/openapi.json', '/docs'].map((path) => [path, 'http://127.0.0.1:2212']),
    ),
  },
})
