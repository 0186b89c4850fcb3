// Each collector and Jaeger role's config files, in the order they are loaded with repeated --config,
// each on top of the ones before (a later file's maps merge into the earlier ones', its lists replace
// theirs), and the binary that runs the role: what every start command and test passes.
import { join } from 'node:path';
import { repoRoot } from './native.ts';

export const ROLES = {
  collector: { binary: 'otelcol', files: ['collector/shared.yaml', 'otel-collector-config.yaml'] },
  jaeger: { binary: 'jaeger', files: ['jaeger-config.yaml'] },
  'server-agent': {
    binary: 'otelcol',
    files: ['collector/shared.yaml', 'scale/agents.yaml', 'scale/agent-server.yaml'],
  },
  'browser-agent': {
    binary: 'otelcol',
    files: ['collector/shared.yaml', 'scale/agents.yaml', 'scale/agent-browser.yaml'],
  },
  gateway: { binary: 'otelcol', files: ['collector/shared.yaml', 'scale/gateway.yaml'] },
  ingester: { binary: 'jaeger', files: ['scale/opensearch-storage.yaml', 'scale/ingester.yaml'] },
  query: { binary: 'jaeger', files: ['scale/opensearch-storage.yaml', 'scale/query.yaml'] },
} as const;

export type Role = keyof typeof ROLES;

/** The `--config` arguments of a role, with the files' paths in the repository. */
export const configArgs = (role: Role) => ROLES[role].files.flatMap((file) => ['--config', join(repoRoot, file)]);
