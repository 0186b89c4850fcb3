// `npm start`: the whole pipeline without Docker. Builds the collector and Jaeger from Go modules
// when Go is there, starts Jaeger, the collector, the greeter, the server and the page in that order, waits
// until each answers, prints where to go, and on Ctrl-C (or SIGTERM) stops them in reverse order,
// so that each flushes its spans to the next before that one stops.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { appParts, bindUrl, localUrl } from '@hello-trace/harness/app-parts';
import { configArgs } from '@hello-trace/harness/config-layers';
import { ensureNativeBinary, goVersion, GO_MISSING } from '@hello-trace/harness/native';
import { stackEnv } from '@hello-trace/harness/ports';
import { createStack, type Part } from '@hello-trace/harness/stack';

const log = (line: string) => console.log(`[start] ${line}`);

// .env's ports and settings, where the environment wins; every part gets them all.
const env = await stackEnv();
const local = (port: string, path = '') => localUrl(env, port, path);
const health = (port: string, path: string) => bindUrl(env, port, path);
// Jaeger's traces and the collector's queue on disk, each in a folder of its own: both lock their files.
const dataHome = join(env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'hello-trace');
const jaegerDir = env.JAEGER_DATA_DIR || join(dataHome, 'jaeger');
const collectorDir = env.COLLECTOR_DATA_DIR || join(dataHome, 'collector');

const parts: Part[] = [];
if (await goVersion()) {
  parts.push(
    {
      name: 'jaeger',
      command: await ensureNativeBinary('jaeger', log),
      args: configArgs('jaeger'),
      env: { JAEGER_DATA_DIR: jaegerDir },
      healthUrl: health('JAEGER_HEALTH_PORT', '/status'),
    },
    {
      name: 'collector',
      command: await ensureNativeBinary('otelcol', log),
      args: configArgs('collector'),
      env: { COLLECTOR_DATA_DIR: collectorDir },
      healthUrl: health('COLLECTOR_HEALTH_PORT', '/'),
    },
  );
} else {
  log(
    `${GO_MISSING}\n[start] Starting the page, the server and the greeter only; the Node processes' spans go to ${local('COLLECTOR_HTTP_PORT')}, the page's (through the page server) to ${local('COLLECTOR_BROWSER_PORT')}, if anything listens there.`,
  );
}
parts.push(...appParts(env));

const stack = createStack(parts, { env, log });
process.on('SIGINT', () => void stack.stop());
process.on('SIGTERM', () => void stack.stop());
void stack.stopped.then((code) => process.exit(code));

try {
  await stack.start();
  const pipeline = parts.some((part) => part.name === 'collector');
  log(`Ready. Open ${local('PAGE_PORT')} and click "Say hello".
[start]   server:     ${local('SERVER_PORT', '/hello')}
[start]   greeter:    ${local('GREETER_PORT', '/greeting')} (the server calls it in the downstream scenario)
[start]   collector:  ${pipeline ? `${local('COLLECTOR_BROWSER_PORT')} (the page's OTLP HTTP, through the page server), ${local('COLLECTOR_HTTP_PORT')} and localhost:${env.COLLECTOR_GRPC_PORT} (the server's OTLP HTTP and gRPC), its queue in ${collectorDir}` : 'not started (no Go)'}
[start]   Jaeger:     ${pipeline ? `${local('JAEGER_UI_PORT', '/api/v3/traces/<trace id>')}, traces kept in ${jaegerDir}` : 'not started (no Go)'}
[start] Press Ctrl-C to stop.`);
} catch {
  // The stack has said why and stopped.
}
