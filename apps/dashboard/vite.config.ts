/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * In development the API runs on its own port; the dev server (and `vite preview`)
 * proxy `/graphql`, WebSocket upgrades included, so the app always talks to its
 * own origin exactly as it does in production, where the API serves the dashboard.
 */
const apiTarget = process.env.CLM_API_URL ?? 'http://localhost:4000';

const graphqlProxy = { '/graphql': { target: apiTarget, ws: true, changeOrigin: true } };

export default defineConfig({
  plugins: [react()],
  server: { proxy: graphqlProxy },
  preview: { proxy: graphqlProxy },
  build: { outDir: 'dist', sourcemap: true },
  // Unit tests of the pure logic (`npm test`): no DOM, no network, no timers of their own.
  test: { include: ['src/**/__tests__/**/*.test.ts'], environment: 'node' },
});
