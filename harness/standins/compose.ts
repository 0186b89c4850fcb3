// A compose file of the project's (docker-compose.yml, or scale/docker-compose.yml) with an overlay that
// puts the stand-in images in its place (docker-compose.standins.yml, scale-compose.standins.yml), under
// a project name of the test's own, driven with `docker compose` (the Compose CLI plugin) on the machine's Docker engine.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { repoRoot } from '../testing/processes.ts';

/** The small stack: docker-compose.yml with its stand-ins. */
export const SMALL_STACK_FILES = [
  join(repoRoot, 'docker-compose.yml'),
  fileURLToPath(new URL('docker-compose.standins.yml', import.meta.url)),
];

/** The scale path: scale/docker-compose.yml with its stand-ins. */
export const SCALE_PATH_FILES = [
  join(repoRoot, 'scale/docker-compose.yml'),
  fileURLToPath(new URL('scale-compose.standins.yml', import.meta.url)),
];

const NEEDS =
  'The compose test needs a running Docker engine with Docker Compose (`docker compose`), and root, debootstrap and Go ' +
  'to build its stand-in images; .ci/run installs docker.io and debootstrap, starts dockerd and builds Compose.';

/** Runs a command; a failure says which command failed and ends with its output. */
export async function run(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed: ${message.split('\n')[0]}\n${(stdout + stderr).slice(-4000)}`,
      { cause: error },
    );
  }
}

/** The last line a failed command printed, which says why (or names the missing program). */
const why = (error: unknown) => (error instanceof Error ? error.message : String(error)).trim().split('\n').at(-1);

/** Fails with what the test needs when no Docker engine answers or Compose is missing. */
export async function requireDockerAndCompose(): Promise<void> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}']);
  } catch (error) {
    throw new Error(`No Docker engine answers: ${why(error)}\n${NEEDS}`, { cause: error });
  }
  try {
    await run('docker', ['compose', 'version']);
  } catch (error) {
    throw new Error(`\`docker compose\` does not run: ${why(error)}\n${NEEDS}`, { cause: error });
  }
}

interface ContainerState {
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}

export class ComposeProject {
  /** Volumes the project's containers mounted, kept so that cleanup finds them after `down`. */
  private readonly mounted = new Set<string>();
  readonly name: string;
  /** Variables for the compose files (the stand-ins' image names, the ports). */
  readonly env: Record<string, string>;
  /** The compose file, then its stand-ins' overlay. */
  readonly files: string[];

  constructor(name: string, env: Record<string, string>, files = SMALL_STACK_FILES) {
    this.name = name;
    this.env = env;
    this.files = files;
  }

  /** `docker compose` with the repository's .env, as the compose files' first lines say to run them. */
  compose(...args: string[]): Promise<string> {
    const files = this.files.flatMap((file) => ['--file', file]);
    const envFile = ['--env-file', join(repoRoot, '.env')];
    return run('docker', ['compose', '--project-name', this.name, ...envFile, ...files, ...args], this.env);
  }

  /** Runs `check`; when it fails, its message gains the services' last log lines. */
  async withLogs<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${await this.logs()}`, {
        cause: error,
      });
    }
  }

  /** One entry per container, stopped ones included. */
  async containers(): Promise<ContainerState[]> {
    const output = (await this.compose('ps', '--all', '--format', 'json')).trim();
    if (!output) return [];
    // Compose prints one JSON object per line (older releases: one array).
    return (
      output.startsWith('[') ? JSON.parse(output) : output.split('\n').map((line) => JSON.parse(line))
    ) as ContainerState[];
  }

  /** Fails when a host port that the compose file publishes is taken, naming it. */
  async requireFreeHostPorts(): Promise<void> {
    const config = JSON.parse(await this.compose('config', '--format', 'json')) as {
      services: Record<string, { ports?: { host_ip: string; published: string }[] }>;
    };
    for (const [service, { ports = [] }] of Object.entries(config.services)) {
      for (const { host_ip: host, published } of ports) {
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
          server.once('error', () =>
            reject(
              new Error(
                `${host}:${published}, which the compose file publishes for ${service}, is taken: stop what listens there (npm start? another docker compose up?)`,
              ),
            ),
          );
          server.listen(Number(published), host, () => server.close(() => resolve()));
        });
      }
    }
  }

  /**
   * Waits until every container runs, each one with a healthcheck healthy, but for one-shot services
   * that have exited with status 0 (such as the compose files' queue-volume and queue-volumes); returns them.
   */
  async waitUntilHealthy(timeoutMs: number): Promise<ContainerState[]> {
    const deadline = Date.now() + timeoutMs;
    let containers: ContainerState[] = [];
    const done = (c: ContainerState) => c.State === 'exited' && c.ExitCode === 0;
    while (Date.now() < deadline) {
      containers = await this.containers();
      if (containers.some((c) => (c.State === 'exited' && !done(c)) || c.Health === 'unhealthy')) break;
      if (
        containers.length > 0 &&
        containers.every((c) => done(c) || (c.State === 'running' && (c.Health === '' || c.Health === 'healthy')))
      ) {
        return containers;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const states = containers.map((c) => `${c.Service}: ${c.State}${c.Health ? ` (${c.Health})` : ''}`).join(', ');
    throw new Error(`the stack did not become healthy: ${states}\n${await this.logs()}`);
  }

  /** The last lines each service logged, for failure messages. */
  logs(tail = 30): Promise<string> {
    return this.compose('logs', '--no-color', '--tail', String(tail)).catch((error: Error) => error.message);
  }

  /** Names of the volumes mounted by the project's containers, with where. */
  async mountedVolumes(): Promise<Map<string, string>> {
    const ids = (
      await run('docker', ['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${this.name}`])
    )
      .split('\n')
      .filter(Boolean);
    const volumes = new Map<string, string>();
    if (ids.length === 0) return volumes;
    const format =
      '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{$.Name}}:{{.Destination}}{{"\\n"}}{{end}}{{end}}';
    for (const line of (await run('docker', ['inspect', '--format', format, ...ids])).split('\n').filter(Boolean)) {
      const [volume, where] = line.split(' ');
      volumes.set(volume, where);
      this.mounted.add(volume);
    }
    return volumes;
  }

  /** The names of the volumes that the compose file declares. */
  async declaredVolumes(): Promise<string[]> {
    const config = JSON.parse(await this.compose('config', '--format', 'json')) as {
      volumes?: Record<string, { name: string }> | null;
    };
    return Object.values(config.volumes ?? {}).map((volume) => volume.name);
  }

  /** Removes everything the project left: containers, its images, networks and volumes. */
  async remove(): Promise<void> {
    await this.mountedVolumes().catch(() => undefined);
    await this.compose('down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '5').catch(
      (error: Error) => console.log(`# ${error.message}`),
    );
    const label = `label=com.docker.compose.project=${this.name}`;
    const networks = (await run('docker', ['network', 'ls', '--quiet', '--filter', label]).catch(() => ''))
      .split('\n')
      .filter(Boolean);
    if (networks.length > 0)
      await run('docker', ['network', 'rm', ...networks]).catch((error: Error) => console.log(`# ${error.message}`));
    for (const volume of this.mounted) await run('docker', ['volume', 'rm', '--force', volume]).catch(() => undefined);
  }
}
