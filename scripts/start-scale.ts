// `npm run start:scale`: the scale path without Docker (README.md, "Past one machine"). Builds or
// fetches what it needs, starts OpenSearch (3 nodes, or OPENSEARCH_NODES=1), Kafka, the ingester, the
// query, the two gateways, the two agents, the greeter, the server and the page server in that order,
// each on loopback once the one before it is up, prints where to go, deletes old indices now and every
// 24 hours, and on Ctrl-C (or SIGTERM) stops them in reverse order, so that each hands its spans to
// the next before that one stops.
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { localUrl } from '@hello-trace/harness/app-parts';
import { cleanOldIndices, openSearchUrls, scaleEnv, scaleParts, takenPorts } from '@hello-trace/harness/scale-stack';
import { createStack, type Stack } from '@hello-trace/harness/stack';

const DAY_MS = 24 * 60 * 60 * 1000;
const log = (line: string) => console.log(`[start:scale] ${line}`);

let stack: Stack;
let env: Record<string, string>;
let dataDir: string;
try {
  env = await scaleEnv(process.env);
  const taken = await takenPorts(env);
  if (taken.length > 0) {
    throw new Error(
      `Another program listens on ${taken.join(', ')}: stop it (another npm run start:scale, or npm start?), or move the part to a free port with its variable, e.g. ${taken[0].split(' ')[0]}=<port> npm run start:scale.`,
    );
  }
  // SCALE_EPHEMERAL=true keeps OpenSearch's and Kafka's data in a temporary folder, removed on exit.
  // As root OpenSearch runs as nobody, who cannot reach a folder under /root.
  dataDir =
    env.SCALE_EPHEMERAL === 'true'
      ? await mkdtemp(join(tmpdir(), 'hello-trace-scale-'))
      : env.SCALE_DATA_DIR ||
        (process.getuid?.() === 0
          ? '/var/lib/hello-trace/scale'
          : join(env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'hello-trace/scale'));
  stack = createStack(await scaleParts({ env, dataDir, log }), { env, log });
} catch (error) {
  log((error as Error).message);
  process.exit(1);
}

let cleaning: NodeJS.Timeout | undefined;
process.on('SIGINT', () => void stack.stop());
process.on('SIGTERM', () => void stack.stop());
void stack.stopped.then(async (code) => {
  clearInterval(cleaning);
  if (env.SCALE_EPHEMERAL === 'true') await rm(dataDir, { recursive: true, force: true });
  process.exit(code);
});

const local = (port: string, path = '') => localUrl(env, port, path);
try {
  await stack.start();
  log(`Ready. Open ${local('PAGE_PORT')} and click "Say hello".
[start:scale]   server:      ${local('SERVER_PORT', '/hello')}, greeter ${local('GREETER_PORT', '/greeting')}
[start:scale]   agents:      ${local('COLLECTOR_BROWSER_PORT')} (the page's OTLP HTTP, through the page server), ${local('COLLECTOR_HTTP_PORT')} and localhost:${env.COLLECTOR_GRPC_PORT} (the servers' OTLP HTTP and gRPC)
[start:scale]   gateways:    localhost:${env.GATEWAY_1_OTLP_PORT} and localhost:${env.GATEWAY_2_OTLP_PORT}, keeping, soon after a trace's root span arrives, every trace with an error or slower than ${env.TAIL_SAMPLING_SLOW_MS} ms, and ${env.TAIL_SAMPLING_KEEP_PERCENT}% of the rest
[start:scale]   Kafka:       localhost:${env.KAFKA_PORT}, topic jaeger-spans
[start:scale]   OpenSearch:  ${openSearchUrls(env).join(', ')}, data in ${dataDir}
[start:scale]   Jaeger:      ${local('JAEGER_UI_PORT', '/api/v3/traces/<trace id>')}
[start:scale] Press Ctrl-C to stop.`);
  await cleanOldIndices(env, log);
  cleaning = setInterval(() => void cleanOldIndices(env, log), DAY_MS);
} catch {
  // The stack has said why and stopped.
}
