// The greeter, a service of its own that the hello server calls in the `downstream` scenario. It
// runs with the same tracing preload as the hello server, under its own OTEL_SERVICE_NAME.
import { RefusalLog } from '@hello-trace/edge/refusals';
import { readGreeterConfig, type GreeterConfig } from '../config.ts';
import { serve } from '../serve.ts';
import { createGreeterApp } from './app.ts';

let config: GreeterConfig;
try {
  config = readGreeterConfig();
} catch (error) {
  console.error(`hello-greeter cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
serve('hello-greeter', createGreeterApp(), config, new RefusalLog('hello-greeter'));
