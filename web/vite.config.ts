import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv, type Connect, type Plugin } from 'vite';
import { handleTraceRequest, jaegerQueryUrl } from './page-server/jaeger-proxy.ts';
import { readSettings } from './src/settings.ts';

/** The page server's Jaeger proxy, mounted in Vite's dev and preview servers too. */
function jaegerProxy(): Plugin {
  const jaegerUrl = jaegerQueryUrl();
  const middleware: Connect.NextHandleFunction = (request, response, next) => {
    handleTraceRequest(request, response, jaegerUrl).then((handled) => handled || next(), next);
  };
  return {
    name: 'jaeger-proxy',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

export default defineConfig(({ mode }) => {
  // Fails the dev server and the build early, with the variable's name, when a VITE_* URL is malformed.
  readSettings(loadEnv(mode, process.cwd(), 'VITE_'));
  return {
    plugins: [react(), jaegerProxy()],
    // The page uses ES2023 (Array#toSorted, URL.canParse): browsers from 2023 on.
    build: { target: 'es2023' },
    server: { port: 5173, strictPort: true },
    preview: { port: 5173, strictPort: true },
  };
});
