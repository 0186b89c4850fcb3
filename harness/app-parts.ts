// The greeter, the server and the page server as both stacks run them (`npm start` and
// `npm run start:scale`), in that order: each sends its spans to OTLP/HTTP on COLLECTOR_HTTP_PORT,
// the small stack's collector or the scale path's server agent.
import type { Part } from './stack.ts';

/** A part's address as the browser sees it. */
export const localUrl = (env: Record<string, string>, port: string, path = '') =>
  `http://localhost:${env[port]}${path}`;

/** Where to ask whether a part is up: the address it binds. */
export const bindUrl = (env: Record<string, string>, port: string, path: string) =>
  `http://127.0.0.1:${env[port]}${path}`;

/** `pageServer` adds to the page server's environment. */
export function appParts(env: Record<string, string>, pageServer: Record<string, string> = {}): Part[] {
  const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: localUrl(env, 'COLLECTOR_HTTP_PORT') };
  return [
    {
      name: 'greeter',
      command: 'npm',
      args: ['run', 'start:greeter', '--silent', '-w', 'server'],
      env: otlp,
      healthUrl: bindUrl(env, 'GREETER_PORT', '/healthz'),
    },
    {
      name: 'server',
      command: 'npm',
      args: ['start', '--silent', '-w', 'server'],
      env: otlp,
      healthUrl: bindUrl(env, 'SERVER_PORT', '/healthz'),
    },
    {
      name: 'page-server',
      command: 'npm',
      args: ['start', '--silent', '-w', 'page-server'],
      env: { ...otlp, ...pageServer },
      healthUrl: bindUrl(env, 'PAGE_PORT', '/healthz'),
    },
  ];
}
