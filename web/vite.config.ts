import { fileURLToPath } from 'node:url';
import { readPort } from '@hello-trace/env';
import { collectorBrowserUrl, jaegerQueryUrl } from '@hello-trace/env/addresses';
import { handleJaegerRequest } from '@hello-trace/page-api/jaeger-proxy';
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv, type Connect, type Plugin } from 'vite';
import { readSettings } from './src/read-settings.ts';

/** .env there holds the stack's ports; .env.local beside it, git-ignored, any VITE_* setting. */
const envDir = fileURLToPath(new URL('..', import.meta.url));

/** The page's questions to Jaeger, answered as the page server answers them, in Vite's dev and preview servers too. */
function jaegerProxy(jaegerUrl: string): Plugin {
  const middleware: Connect.NextHandleFunction = (request, response, next) => {
    handleJaegerRequest(request, response, jaegerUrl).then((handled) => handled || next(), next);
  };
  return {
    name: 'jaeger-proxy',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

export default defineConfig(({ mode }) => {
  // The environment wins over the files.
  const env = loadEnv(mode, envDir, '');
  // The browser reaches the stack on the host's ports, unless a VITE_* setting names another address;
  // it sends its spans to the page's own origin (the page server relays them to the collector).
  const addresses = {
    VITE_SERVER_URL: () => `http://localhost:${readPort(env, 'SERVER_PORT')}`,
    VITE_JAEGER_UI_URL: () => `http://localhost:${readPort(env, 'JAEGER_UI_PORT')}`,
  };
  for (const [name, address] of Object.entries(addresses)) process.env[name] ||= address();
  const port = readPort(env, 'PAGE_PORT');
  // Fails the dev server and the build early, with the variable's name, when a VITE_* setting is malformed.
  readSettings(loadEnv(mode, envDir, 'VITE_'), `http://localhost:${port}`);
  // The page's spans, on its own origin, straight to the collector: the page server's relay (with
  // its size and rate limits) runs only in the page server.
  const proxy = { '/v1/traces': collectorBrowserUrl(env) };
  return {
    envDir,
    plugins: [react(), jaegerProxy(jaegerQueryUrl(env))],
    // The page uses ES2023 (Array#toSorted, URL.canParse): browsers from 2023 on.
    build: { target: 'es2023' },
    server: { port, strictPort: true, proxy },
    preview: { port, strictPort: true, proxy },
  };
});
