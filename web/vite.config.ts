import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';
import { readSettings } from './src/settings.ts';

export default defineConfig(({ mode }) => {
  // Fails the dev server and the build early, with the variable's name, when a VITE_* URL is malformed.
  readSettings(loadEnv(mode, process.cwd(), 'VITE_'));
  return {
    plugins: [react()],
    server: { port: 5173, strictPort: true },
    preview: { port: 5173, strictPort: true },
  };
});
