import { createApp } from './app.ts';
import { readConfig, type ServerConfig } from './config.ts';
import { serve } from './serve.ts';

let config: ServerConfig;
try {
  config = readConfig();
} catch (error) {
  console.error(`hello-server cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
serve(
  'hello-server',
  createApp(config.allowedOrigins, config.greeterUrl),
  config,
  ` (CORS origins: ${config.allowedOrigins.join(', ')})`,
);
