// Local stand-ins for the images scale/docker-compose.yml builds on, made as standin-images.ts makes
// the small stack's (see there: local names, a hash of their inputs in each tag, reused when present):
//
// - java: the Debian base with Debian's openjdk-17-jre-headless and curl, for the two engines below.
// - opensearch: the OpenSearch zip from Maven Central (harness/engines.ts) on the java image, laid out
//   as opensearchproject/opensearch: /usr/share/opensearch, user opensearch (1000), its opensearch.yml,
//   and an entrypoint that, as the image's does, turns every variable named like a setting
//   (`discovery.type`) into `-E<setting>=<value>` and refuses to run as root.
// - kafka: Kafka's jars from Maven Central (harness/engines.ts) on the java image, laid out as
//   apache/kafka: /opt/kafka, user appuser, its volumes, and a run script that, as the image's does,
//   writes /opt/kafka/config/server.properties from the KAFKA_* variables (Kafka's own
//   kafka.docker.KafkaDockerWrapper), formats the log folder with CLUSTER_ID, and starts the broker.
// - otelcol-contrib: native/otelcol's collector in a scratch image, laid out as the contrib image.
// - node and jaeger: the small stack's (standin-images.ts); the jaeger stand-in serves as gateway,
//   ingester and query, as the real jaegertracing/jaeger image does.
import { cp, mkdir, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ensureKafka, ensureOpenSearch, OPENSEARCH_VERSION } from '../engines.ts';
import {
  buildImage,
  collectorImage,
  debianImage,
  hash,
  imageExists,
  inTemporaryFolder,
  jaegerImage,
  nodeImage,
  writeFiles,
  type Log,
} from './standin-images.ts';

/** The stand-ins' tags, named by the variables scale-compose.standins.yml reads. */
export interface ScaleStandinImages {
  NODE_IMAGE: string;
  JAEGER_IMAGE: string;
  OTEL_COLLECTOR_IMAGE: string;
  OPENSEARCH_IMAGE: string;
  KAFKA_IMAGE: string;
}

const javaDockerfile = (base: string) => `FROM ${base}
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends openjdk-17-jre-headless curl \\
 && rm -rf /var/lib/apt/lists/* \\
 && java -version
`;

// The real image's opensearch.yml.
const OPENSEARCH_YML = `cluster.name: docker-cluster
network.host: 0.0.0.0
`;

// As the real image's entrypoint: a first argument that is a flag, or none, means `opensearch`; any
// other command runs as it is. The image's security and performance-analyzer plugins are not in the
// zip, so their switches (DISABLE_SECURITY_PLUGIN, DISABLE_INSTALL_DEMO_CONFIG,
// DISABLE_PERFORMANCE_ANALYZER_AGENT_CLI) have nothing to do here, as in the real entrypoint when a
// plugin is missing.
const OPENSEARCH_ENTRYPOINT = `#!/bin/bash
set -euo pipefail
if [ $# -eq 0 ] || [ "\${1:0:1}" = - ]; then set -- opensearch "$@"; fi
if [ "$1" != opensearch ]; then exec "$@"; fi
if [ "$(id -u)" = 0 ]; then
  echo "OpenSearch cannot run as root. Please start your container as another user." >&2
  exit 1
fi
umask 0002
settings=()
while IFS='=' read -r name value; do
  if [[ $name =~ ^[a-z0-9_]+\\.[a-z0-9_]+ || $name == processors ]] && [ -n "$value" ]; then
    settings+=("-E$name=$value")
  fi
done < <(env)
export OPENSEARCH_JAVA_OPTS="-Dopensearch.cgroups.hierarchy.override=/ \${OPENSEARCH_JAVA_OPTS:-}"
exec "$@" "\${settings[@]}"
`;

const opensearchDockerfile = (base: string) => `FROM ${base}
RUN groupadd --gid 1000 opensearch \\
 && useradd --uid 1000 --gid 1000 --home-dir /usr/share/opensearch --no-create-home opensearch
COPY --chown=1000:1000 opensearch /usr/share/opensearch
WORKDIR /usr/share/opensearch
# The real image bundles its JDK in jdk/; here it is Debian's.
RUN ln -s "$(dirname "$(dirname "$(readlink -f /usr/bin/java)")")" jdk \\
 && mkdir -p data && chown 1000:1000 data
ENV JAVA_HOME=/usr/share/opensearch/jdk PATH=$PATH:/usr/share/opensearch/jdk/bin:/usr/share/opensearch/bin
USER 1000
EXPOSE 9200 9300
ENTRYPOINT ["./opensearch-docker-entrypoint.sh"]
CMD ["opensearch"]
`;

// apache/kafka's layout: the distribution in /opt/kafka (here its jars from Maven Central, and the
// bin/ scripts that scale/docker-compose.yml and the run script call), the image's defaults and run
// script in /etc/kafka/docker.
const kafkaDockerfile = (base: string) => `FROM ${base}
RUN useradd --uid 1000 --create-home --home-dir /home/appuser --shell /bin/bash appuser \\
 && mkdir -p /opt/kafka/config /var/lib/kafka/data /etc/kafka/secrets /etc/kafka/docker /mnt/shared/config \\
 && chown -R appuser:appuser /opt/kafka /mnt/shared/config \\
 && chown -R appuser:root /var/lib/kafka /etc/kafka \\
 && chmod -R ug+w /etc/kafka /var/lib/kafka
COPY libs /opt/kafka/libs
COPY bin /opt/kafka/bin
COPY --chown=appuser:appuser docker /etc/kafka/docker
USER appuser
EXPOSE 9092
VOLUME ["/etc/kafka/secrets", "/var/lib/kafka/data", "/mnt/shared/config"]
CMD ["/etc/kafka/docker/run"]
`;

// The distribution's scripts that this stack calls, with the same variables: a class on the jars.
const KAFKA_BIN: Record<string, string> = {
  'kafka-run-class.sh': `#!/bin/bash
exec java \${KAFKA_HEAP_OPTS:--Xmx256M} \${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true} \\
  \${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.yaml} \${KAFKA_OPTS:-} -cp '/opt/kafka/libs/*' "$@"
`,
  'kafka-server-start.sh': `#!/bin/bash
export KAFKA_HEAP_OPTS="\${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
export KAFKA_LOG4J_OPTS="\${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/log4j2.yaml}"
exec /opt/kafka/bin/kafka-run-class.sh kafka.Kafka "$@"
`,
  'kafka-broker-api-versions.sh': `#!/bin/bash
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
`,
};

// As the image's run script: CLUSTER_ID has a default; without KAFKA_LISTENERS a broker listens where
// it advertises, on every interface; Kafka's own docker wrapper writes /opt/kafka/config from the
// defaults beside this script, the files in /mnt/shared/config and the KAFKA_* variables, and formats
// the log folders (once); then the broker starts.
const KAFKA_RUN = `#!/bin/bash
set -euo pipefail
export CLUSTER_ID=\${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}
if [ -z "\${KAFKA_LISTENERS:-}" ] && [ "\${KAFKA_PROCESS_ROLES:-}" != controller ] && [ -n "\${KAFKA_ADVERTISED_LISTENERS:-}" ]; then
  export KAFKA_LISTENERS=$(sed -e 's|://[^:]*:|://0.0.0.0:|g' <<<"$KAFKA_ADVERTISED_LISTENERS")
fi
if ! output=$(/opt/kafka/bin/kafka-run-class.sh kafka.docker.KafkaDockerWrapper setup --default-configs-dir /etc/kafka/docker \\
  --mounted-configs-dir /mnt/shared/config --final-configs-dir /opt/kafka/config 2>&1); then
  grep -qi 'already formatted' <<<"$output" || { echo "$output" >&2; exit 1; }
fi
exec /opt/kafka/bin/kafka-server-start.sh /opt/kafka/config/server.properties
`;

// The defaults the wrapper falls back on: one broker that is its own controller, logs to the console.
const KAFKA_DEFAULTS: Record<string, string> = {
  'server.properties': `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
advertised.listeners=PLAINTEXT://localhost:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=/tmp/kraft-combined-logs
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
`,
  'log4j2.yaml': `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
`,
  'tools-log4j2.yaml': `Configuration:
  Appenders:
    Console:
      name: STDERR
      target: SYSTEM_ERR
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDERR
`,
};

/** Builds whichever stand-in is missing and returns their tags. Needs root (debootstrap), a Docker engine, Go and Maven. */
export async function ensureScaleStandinImages(log: Log): Promise<ScaleStandinImages> {
  const debian = await debianImage(log);
  const [java, opensearchHome, kafkaHome] = await Promise.all([
    javaImage(debian, log),
    ensureOpenSearch(log),
    ensureKafka(log),
  ]);
  const [NODE_IMAGE, JAEGER_IMAGE, OTEL_COLLECTOR_IMAGE, OPENSEARCH_IMAGE, KAFKA_IMAGE] = await Promise.all([
    nodeImage(debian, log),
    jaegerImage(debian, log),
    collectorImage('hello-trace-standin/otelcol-contrib:0.161.0', log),
    opensearchImage(java, opensearchHome, log),
    kafkaImage(java, join(kafkaHome, 'libs'), log),
  ]);
  return { NODE_IMAGE, JAEGER_IMAGE, OTEL_COLLECTOR_IMAGE, OPENSEARCH_IMAGE, KAFKA_IMAGE };
}

/** The Java runtime the engines' stand-ins run on. */
async function javaImage(debian: string, log: Log): Promise<string> {
  const dockerfile = javaDockerfile(debian);
  const tag = `hello-trace-standin/java:17-${hash(dockerfile)}`;
  if (await imageExists(tag)) return tag;
  await inTemporaryFolder(async (context) => {
    log(`building ${tag}: openjdk-17-jre-headless and curl from Debian`);
    await buildImage(tag, context, dockerfile);
  });
  return tag;
}

/** `home`: the unpacked OpenSearch distribution, in a folder named after its version. */
async function opensearchImage(java: string, home: string, log: Log): Promise<string> {
  const dockerfile = opensearchDockerfile(java);
  const inputs = hash(dockerfile, OPENSEARCH_YML, OPENSEARCH_ENTRYPOINT, basename(home));
  const tag = `hello-trace-standin/opensearch:${OPENSEARCH_VERSION}-${inputs}`;
  if (await imageExists(tag)) return tag;
  await inTemporaryFolder(async (context) => {
    log(`building ${tag}`);
    await cp(home, join(context, 'opensearch'), { recursive: true });
    await writeFiles(join(context, 'opensearch/config'), { 'opensearch.yml': OPENSEARCH_YML }, 0o644);
    await writeFiles(join(context, 'opensearch'), { 'opensearch-docker-entrypoint.sh': OPENSEARCH_ENTRYPOINT }, 0o755);
    await buildImage(tag, context, dockerfile);
  });
  return tag;
}

/** `libs`: a folder of Kafka's jars and their dependencies, as Maven Central serves them (names with versions). */
async function kafkaImage(java: string, libs: string, log: Log): Promise<string> {
  const dockerfile = kafkaDockerfile(java);
  const jars = (await readdir(libs)).toSorted();
  const version = jars
    .find((jar) => /^kafka_2\.13-[\d.]+\.jar$/.test(jar))
    ?.slice('kafka_2.13-'.length, -'.jar'.length);
  if (!version) throw new Error(`${libs} holds no kafka_2.13-<version>.jar`);
  const tag = `hello-trace-standin/kafka:${version}-${hash(dockerfile, JSON.stringify([KAFKA_BIN, KAFKA_RUN, KAFKA_DEFAULTS, jars]))}`;
  if (await imageExists(tag)) return tag;
  await inTemporaryFolder(async (context) => {
    log(`building ${tag}`);
    await cp(libs, join(context, 'libs'), { recursive: true });
    await mkdir(join(context, 'bin'));
    await writeFiles(join(context, 'bin'), KAFKA_BIN, 0o755);
    await mkdir(join(context, 'docker'));
    await writeFiles(join(context, 'docker'), { run: KAFKA_RUN }, 0o755);
    await writeFiles(join(context, 'docker'), KAFKA_DEFAULTS, 0o644);
    await buildImage(tag, context, dockerfile);
  });
  return tag;
}
