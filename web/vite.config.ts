import { defineConfig } from 'vite';

// The app is served by Firebase Hosting (firebase.json "hosting": web/dist), which rewrites /v1/** to the
// `api` function. Top-level await (config) needs es2022.
export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
});
