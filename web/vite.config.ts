import { fileURLToPath } from 'node:url';
import { readPort } from '@hello-trace/env';
import { collectorBrowserUrl, jaegerQueryUrl } from '@hello-trace/env/addresses';
import { jaegerProxy } from '@hello-trace/page-api/jaeger-proxy';
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv, type Connect, type Plugin } from 'vite';
import { readSettings } from './src/read-settings.ts';

/** .env there holds the stack's ports; .env.local beside it, git-ignored, any VITE_* setting. */
const envDir = fileURLToPath(new URL('..', import.meta.url));

/** The page's questions to Jaeger, answered as the page server answers them, in Vite's dev and preview servers too. */
function jaegerProxyPlugin(jaegerUrl: string): Plugin {
  const askJaeger = jaegerProxy({ jaegerUrl });
  const middleware: Connect.NextHandleFunction = (request, response, next) => {
    askJaeger(request, response).then((handled) => handled || next(), next);
  };
  return {
    name: 'jaeger-proxy',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

/**
 * The page's Content-Security-Policy, in its built document: scripts, styles and images from its own
 * origin only, and requests to its own origin and `connectOrigins` (the server's, and where its spans
 * go), nowhere else. The page server adds what only a header can say (frame-ancestors). Not in the dev
 * server, whose scripts are inline.
 */
function contentSecurityPolicy(connectOrigins: string[]): Plugin {
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    ["connect-src 'self'", ...connectOrigins].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' },
    ],
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
  const pageOrigin = `http://localhost:${port}`;
  const { serverUrl, tracing } = readSettings(loadEnv(mode, envDir, 'VITE_'), pageOrigin);
  const connectOrigins = new Set([serverUrl, tracing.tracesUrl].map((url) => new URL(url).origin));
  connectOrigins.delete(pageOrigin);
  // The page's spans, on its own origin, straight to the collector: the page server's relay (with
  // its size and rate limits) runs only in the page server.
  const proxy = { '/v1/traces': collectorBrowserUrl(env) };
  return {
    envDir,
    plugins: [react(), jaegerProxyPlugin(jaegerQueryUrl(env)), contentSecurityPolicy([...connectOrigins])],
    // The page uses ES2023 (Array#toSorted, URL.canParse): browsers from 2023 on.
    build: { target: 'es2023' },
    server: { port, strictPort: true, proxy },
    preview: { port, strictPort: true, proxy },
  };
});
