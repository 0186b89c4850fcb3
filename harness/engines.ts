// The scale path's two Java engines, OpenSearch and Kafka, run as ordinary Java programs (Debian
// packages neither): fetched once from Maven Central with Maven, which checks every file against its
// published checksum, cached in ~/.cache/hello-trace (OpenSearch, as root, in /var/cache/hello-trace),
// and described as processes that a runner starts, waits for and stops. Also Jaeger's es-index-cleaner,
// which keeps OpenSearch to a retention.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { readPort } from '@hello-trace/env';
import { cacheDir, ensureNativeBinary, repoRoot } from './native.ts';

const run = promisify(execFile);

/** How a runner starts one engine process, and how it knows that the process serves. */
export interface EngineProcess {
  name: string;
  command: string;
  args: string[];
  /** Set on top of the runner's environment. */
  env: Record<string, string>;
  cwd: string;
  /** True once the process serves; false, never an error, before that. */
  ready(): Promise<boolean>;
}

type Addresses = Record<string, string | undefined>;

const JAVA_INSTALL = 'install a Java runtime, 17 or later (Debian: `apt-get install openjdk-17-jre-headless`)';

/** The home folder of the `java` on PATH; a plain message when there is none, or it is older than 17. */
export async function javaHome(): Promise<string> {
  let settings: string;
  try {
    settings = (await run('java', ['-XshowSettings:properties', '-version'])).stderr;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`OpenSearch and Kafka run on Java, and \`java\` was not found: ${JAVA_INSTALL}.`, {
        cause: error,
      });
    }
    throw new Error(`\`java -version\` failed: ${(error as Error).message}`, { cause: error });
  }
  const version = /java\.specification\.version = (\S+)/.exec(settings)?.[1] ?? 'of an unknown version';
  const home = /java\.home = (.+)/.exec(settings)?.[1]?.trim();
  if (!home || !(Number(version) >= 17)) {
    throw new Error(
      `OpenSearch and Kafka need Java 17 or later, and the \`java\` on PATH is Java ${version}: ${JAVA_INSTALL}.`,
    );
  }
  return home;
}

const MAVEN_MISSING =
  'Maven (`mvn`) was not found: it fetches OpenSearch and Kafka from Maven Central and checks them against their published checksums. Install it (Debian: `apt-get install maven`).';
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.11.0';

async function mvn(args: string[], cwd: string): Promise<void> {
  try {
    // -B: no progress bars or colours; -q: errors only; -C: fail on a checksum that does not match.
    await run('mvn', ['-B', '-q', '-C', ...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') throw new Error(MAVEN_MISSING, { cause: error });
    throw new Error(`mvn ${args.join(' ')} failed:\n${lastLines(`${failure.stdout}${failure.stderr}`, 20)}`, {
      cause: error,
    });
  }
}

const lastLines = (text: string, count: number) => text.trim().split('\n').slice(-count).join('\n');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * `folder`, made when missing by `fill`, which gets an empty folder and returns the folder to keep (that
 * one or one inside it). It is filled under a name of this process's own and renamed once complete, so
 * that an interrupted or concurrent fetch never leaves half a folder under the final name.
 */
async function cached(folder: string, fill: (partial: string) => Promise<string>): Promise<string> {
  if (await exists(folder)) return folder;
  const partial = `${folder}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    const complete = await fill(partial);
    // Another process may have finished the same folder first: then keep that one.
    await rename(complete, folder).catch(async (error: unknown) => {
      if (!(await exists(folder))) throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return folder;
}

export const OPENSEARCH_VERSION = '2.19.6';

const runsAsRoot = () => process.getuid?.() === 0;

/**
 * OpenSearch's home folder (the zip without a bundled JDK), fetched and unpacked when missing. As root
 * it is kept in /var/cache/hello-trace, not under /root: nobody, who runs it then, can read it there.
 */
export async function ensureOpenSearch(log: (line: string) => void = console.log): Promise<string> {
  await javaHome();
  const home = join(runsAsRoot() ? '/var/cache/hello-trace' : cacheDir, `opensearch-${OPENSEARCH_VERSION}`);
  return cached(home, async (partial) => {
    log(`fetching OpenSearch ${OPENSEARCH_VERSION} from Maven Central (once, about 55 MB)`);
    await mvn(
      [
        `${DEPENDENCY_PLUGIN}:unpack`,
        `-Dartifact=org.opensearch.distribution.integ-test-zip:opensearch:${OPENSEARCH_VERSION}:zip`,
        `-DoutputDirectory=${partial}`,
        `-DmarkersDirectory=${join(partial, 'markers')}`,
      ],
      partial,
    );
    return join(partial, `opensearch-${OPENSEARCH_VERSION}`);
  });
}

const KAFKA_POM = join(repoRoot, 'harness/kafka/pom.xml');
const KAFKA_LOG4J = `-Dlog4j2.configurationFile=${join(repoRoot, 'harness/kafka/log4j2.properties')}`;

/** A folder whose `libs/` holds Kafka's jars, as harness/kafka/pom.xml lists them, fetched when missing. */
export async function ensureKafka(log: (line: string) => void = console.log): Promise<string> {
  await javaHome();
  // Named after the pom, which pins every version: a change to it fetches anew.
  const pom = createHash('sha256')
    .update(await readFile(KAFKA_POM))
    .digest('hex');
  return cached(join(cacheDir, `kafka-${pom.slice(0, 16)}`), async (partial) => {
    log('fetching Kafka and its dependencies from Maven Central (once, about 45 MB)');
    await mvn(
      [
        '-f',
        KAFKA_POM,
        `${DEPENDENCY_PLUGIN}:copy-dependencies`,
        '-DincludeScope=runtime',
        `-DoutputDirectory=${join(partial, 'libs')}`,
      ],
      partial,
    );
    return partial;
  });
}

/** Runs one of Kafka's command-line tools (a main class) and resolves with what it prints. */
async function kafkaTool(mainClass: string, args: string[]): Promise<string> {
  return (await kafkaToolOutput(mainClass, args)).toString('utf8');
}

/** The same, resolving with the bytes it prints. */
async function kafkaToolOutput(mainClass: string, args: string[]): Promise<Buffer> {
  const java = join(await javaHome(), 'bin/java');
  const libs = join(await ensureKafka(), 'libs');
  try {
    const { stdout } = await run(
      java,
      [KAFKA_LOG4J, '-Dkafka.log.level=warn', '-cp', join(libs, '*'), mainClass, ...args],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
    );
    return stdout;
  } catch (error) {
    const failure = error as Error & { stdout?: Buffer; stderr?: Buffer };
    const output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim() || failure.message;
    throw new Error(`Kafka's ${mainClass} ${args.join(' ')} failed:\n${lastLines(output, 10)}`, { cause: error });
  }
}

/** Kafka's topic tool, as `kafka-topics.sh` runs it (for example `--bootstrap-server host:port --list`). */
export function kafkaTopics(args: string[]): Promise<string> {
  return kafkaTool('org.apache.kafka.tools.TopicCommand', args);
}

/** Kafka's consumer group tool, as `kafka-consumer-groups.sh` runs it (for example `--describe --group g`). */
export function kafkaConsumerGroups(args: string[]): Promise<string> {
  return kafkaTool('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', args);
}

export interface KafkaRecord {
  partition: number;
  key: string;
  value: Buffer;
}

// Between the fields and the records of the console consumer's output: byte strings that neither a
// record's key (a trace id) nor its value (OTLP protobuf) holds.
const FIELD_END = '\u0001|hello-trace-field-end|9f3c27d1b84e06a5|\u0001';
const RECORD_END = '\u0001|hello-trace-record-end|5e81a0c4d2b97f36|\u0001';

/**
 * Every record of `topic`, from its beginning, read as `kafka-console-consumer.sh --from-beginning`
 * reads it (with a consumer group of its own), until none has come for `idleMs`.
 */
export async function kafkaRecords(bootstrapServer: string, topic: string, idleMs = 5000): Promise<KafkaRecord[]> {
  const output = await kafkaToolOutput('org.apache.kafka.tools.consumer.ConsoleConsumer', [
    '--bootstrap-server',
    bootstrapServer,
    '--topic',
    topic,
    '--from-beginning',
    '--timeout-ms',
    String(idleMs),
    ...['print.partition=true', 'print.key=true', `key.separator=${FIELD_END}`, `line.separator=${RECORD_END}`].flatMap(
      (property) => ['--formatter-property', property],
    ),
  ]);
  const records: KafkaRecord[] = [];
  for (let at = 0; at < output.length;) {
    const end = output.indexOf(RECORD_END, at);
    if (end < 0)
      throw new Error(`Kafka's console consumer printed a record without its end: ${output.subarray(at, at + 200)}`);
    // Partition:<n>, the key, the value.
    const afterPartition = output.indexOf(FIELD_END, at);
    const afterKey = output.indexOf(FIELD_END, afterPartition + FIELD_END.length);
    records.push({
      partition: Number(output.subarray(at, afterPartition).toString().replace('Partition:', '')),
      key: output.subarray(afterPartition + FIELD_END.length, afterKey).toString(),
      value: output.subarray(afterKey + FIELD_END.length, end),
    });
    at = end + RECORD_END.length;
  }
  return records;
}

export interface KafkaOptions {
  /** Its configuration and its data (the topics' logs); formatted on first use, kept across starts. */
  dataDir: string;
  /** Holds KAFKA_PORT and KAFKA_CONTROLLER_PORT. */
  env?: Addresses;
  heapMiB?: number;
}

/**
 * One Kafka node in KRaft mode, broker and controller at once, on 127.0.0.1: clients on KAFKA_PORT, its
 * controller on KAFKA_CONTROLLER_PORT. Writes its configuration and, the first time, formats its data
 * folder as `kafka-storage.sh format` does.
 */
export async function kafkaBroker(
  { dataDir, env = process.env, heapMiB = 256 }: KafkaOptions,
  log: (line: string) => void = console.log,
): Promise<EngineProcess> {
  const java = join(await javaHome(), 'bin/java');
  const libs = join(await ensureKafka(log), 'libs');
  const port = readPort(env, 'KAFKA_PORT');
  const controllerPort = readPort(env, 'KAFKA_CONTROLLER_PORT');
  const config = join(dataDir, 'server.properties');
  const settings = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(dataDir, 'data'),
    // A producer's first write creates its topic, with three partitions: the gateways key each trace's
    // messages by its trace id, so that up to three ingesters could share the topic with every trace
    // whole in one partition, without a change to the topic.
    'auto.create.topics.enable': 'true',
    'num.partitions': '3',
    // One broker: Kafka's internal topics cannot have more than one replica.
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    // A consumer that joins gets its partitions at once, not after 3 s.
    'group.initial.rebalance.delay.ms': '0',
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    config,
    Object.entries(settings)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
  if (!(await exists(join(dataDir, 'data/meta.properties')))) {
    const clusterId = (await kafkaTool('kafka.tools.StorageTool', ['random-uuid'])).trim();
    await kafkaTool('kafka.tools.StorageTool', ['format', '--cluster-id', clusterId, '--config', config]);
  }
  return {
    name: 'kafka',
    command: java,
    args: [`-Xms${heapMiB}m`, `-Xmx${heapMiB}m`, KAFKA_LOG4J, '-cp', join(libs, '*'), 'kafka.Kafka', config],
    env: {},
    cwd: dataDir,
    ready: () =>
      kafkaBrokerCount(port).then(
        (brokers) => brokers > 0,
        () => false,
      ),
  };
}

/**
 * How many brokers Kafka on this port lists in its answer to a Metadata request (version 4, the oldest
 * that Kafka 4 serves): at least one once the broker has registered and serves clients.
 */
export async function kafkaBrokerCount(port: number): Promise<number> {
  const clientId = Buffer.from('hello-trace');
  const request = Buffer.alloc(4 + 10 + clientId.length + 5);
  let at = request.writeInt32BE(request.length - 4);
  at = request.writeInt16BE(3, at); // API key: Metadata
  at = request.writeInt16BE(4, at); // API version
  at = request.writeInt32BE(1, at); // correlation id
  at = request.writeInt16BE(clientId.length, at);
  at += clientId.copy(request, at);
  at = request.writeInt32BE(-1, at); // topics: null, that is all of them
  request.writeInt8(0, at); // allow_auto_topic_creation: false
  const socket = connect(port, '127.0.0.1');
  socket.setTimeout(2000, () => socket.destroy(new Error(`Kafka on port ${port} did not answer within 2 s`)));
  try {
    socket.write(request);
    let answer = Buffer.alloc(0);
    for await (const chunk of socket) {
      answer = Buffer.concat([answer, chunk as Buffer]);
      // The answer's size, its correlation id, throttle_time_ms, then the number of brokers.
      if (answer.length >= 16) return answer.readInt32BE(12);
    }
    return 0;
  } finally {
    socket.destroy();
  }
}

export interface OpenSearchOptions {
  /** 1, or 3 for a cluster that outlives the loss of one node (with a replica of each shard). */
  nodes: number;
  /** Holds a folder per node (opensearch-1, ...), each with its config, data, logs and temporary files. */
  dataDir: string;
  /** Holds OPENSEARCH_<n>_PORT and OPENSEARCH_<n>_TRANSPORT_PORT. */
  env?: Addresses;
  heapMiB?: number;
}

/**
 * The nodes of an OpenSearch cluster on 127.0.0.1, named opensearch-1 to opensearch-<nodes>, in the
 * order to start them. OpenSearch refuses to run as root: as root, each node runs as nobody and owns its
 * node folder, which nobody must be able to reach (not under /root, for instance).
 */
export async function openSearchNodes(
  { nodes, dataDir, env = process.env, heapMiB = 512 }: OpenSearchOptions,
  log: (line: string) => void = console.log,
): Promise<EngineProcess[]> {
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 3)
    throw new Error(`OpenSearch runs as 1 to 3 nodes here, not ${nodes}.`);
  const home = await ensureOpenSearch(log);
  const java = await javaHome();
  const numbers = Array.from({ length: nodes }, (_, index) => index + 1);
  const urls = numbers.map((n) => `http://127.0.0.1:${readPort(env, `OPENSEARCH_${n}_PORT`)}`);
  const names = numbers.map((n) => `opensearch-${n}`);
  const discovery =
    nodes === 1
      ? ['-Ediscovery.type=single-node']
      : [
          `-Ediscovery.seed_hosts=${numbers.map((n) => `127.0.0.1:${readPort(env, `OPENSEARCH_${n}_TRANSPORT_PORT`)}`).join(',')}`,
          `-Ecluster.initial_cluster_manager_nodes=${names.join(',')}`,
          // Open HTTP at once rather than after waiting 30 s for a cluster: the first node's cluster forms
          // only once a second node is up.
          '-Ediscovery.initial_state_timeout=0s',
        ];
  const user = runsAsRoot() ? await nobody() : undefined;
  return Promise.all(
    numbers.map(async (n) => {
      const folder = join(dataDir, names[n - 1]);
      await prepareNodeFolder(home, folder, user);
      const opensearch = join(home, 'bin/opensearch');
      const args = [
        '-Ecluster.name=hello-trace',
        `-Enode.name=${names[n - 1]}`,
        '-Enetwork.host=127.0.0.1',
        `-Ehttp.port=${readPort(env, `OPENSEARCH_${n}_PORT`)}`,
        `-Etransport.port=${readPort(env, `OPENSEARCH_${n}_TRANSPORT_PORT`)}`,
        `-Epath.data=${join(folder, 'data')}`,
        `-Epath.logs=${join(folder, 'logs')}`,
        // Lucene's memory-mapped files need vm.max_map_count raised; plain file reads do not.
        '-Enode.store.allow_mmap=false',
        ...discovery,
      ];
      return {
        name: names[n - 1],
        ...(user
          ? { command: 'setpriv', args: [...user.setpriv, opensearch, ...args] }
          : { command: opensearch, args }),
        env: {
          OPENSEARCH_JAVA_HOME: java,
          OPENSEARCH_PATH_CONF: join(folder, 'config'),
          OPENSEARCH_TMPDIR: join(folder, 'tmp'),
          OPENSEARCH_JAVA_OPTS: `-Xms${heapMiB}m -Xmx${heapMiB}m`,
        },
        cwd: folder,
        ready: () => openSearchNodeReady(urls, n),
      };
    }),
  );
}

/** nobody's user and group ids, and setpriv's arguments to run a command as nobody. */
async function nobody(): Promise<{ uid: number; gid: number; setpriv: string[] }> {
  const uid = Number((await run('id', ['-u', 'nobody'])).stdout);
  const gid = Number((await run('id', ['-g', 'nobody'])).stdout);
  return { uid, gid, setpriv: [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups'] };
}

async function prepareNodeFolder(
  home: string,
  folder: string,
  user?: { uid: number; gid: number; setpriv: string[] },
): Promise<void> {
  for (const part of ['data', 'logs', 'tmp']) await mkdir(join(folder, part), { recursive: true });
  // The node's own copy of the stock config, renewed at every start; OpenSearch adds its keystore to it.
  await cp(join(home, 'config'), join(folder, 'config'), { recursive: true });
  // The stock jvm.options writes the GC log, crash reports and heap dumps relative to the home folder,
  // which the nodes share and cannot write to: into the node's own folders instead.
  const jvmOptions = join(folder, 'config/jvm.options');
  const options = await readFile(jvmOptions, 'utf8');
  await writeFile(
    jvmOptions,
    options
      .replaceAll('=logs/', `=${join(folder, 'logs')}/`)
      .replace('HeapDumpPath=data', `HeapDumpPath=${join(folder, 'data')}`),
  );
  if (!user) return;
  await run('chown', ['-R', `${user.uid}:${user.gid}`, folder]);
  // A folder made with mkdtemp is closed to others: let nobody pass through it to the node's folder.
  const parent = dirname(folder);
  await chmod(parent, ((await stat(parent)).mode & 0o7777) | 0o001);
  const reaches = await run('setpriv', [...user.setpriv, 'test', '-w', folder]).then(
    () => true,
    () => false,
  );
  if (!reaches) {
    throw new Error(
      `OpenSearch refuses to run as root, so it runs as nobody here, and nobody cannot reach ${folder}: give it a data folder that others can pass through to (not under /root), for example under /var/lib/hello-trace.`,
    );
  }
}

/** The JSON answer of a GET, or undefined when there is no answer or it is an error. */
const get = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(3000) }).then(
    async (response) => (response.ok ? ((await response.json()) as Record<string, unknown>) : undefined),
    () => undefined,
  );

/**
 * Node n (1-based) serves once it has joined the cluster, that is its own /_cluster/health answers, and
 * the cluster has at least n nodes: started in order, the last one is ready when all are in. The first
 * of several cannot join before a second is up to elect a cluster manager with it, so it is ready once
 * it answers HTTP while no other node does.
 */
async function openSearchNodeReady(urls: string[], n: number): Promise<boolean> {
  const health = await get(`${urls[n - 1]}/_cluster/health?cluster_manager_timeout=1s`);
  if (health) return Number(health.number_of_nodes) >= n;
  if (urls.length === 1 || !(await get(urls[n - 1]))) return false;
  const others = await Promise.all(urls.filter((_, index) => index !== n - 1).map(get));
  return others.every((answer) => answer === undefined);
}

export interface CleanIndicesOptions {
  /** One OpenSearch node's URL. */
  url: string;
  /** Keep the indices created in the last `days` days (UTC, today's counted); 0 deletes them all. */
  days: number;
  /** Jaeger's index_prefix, if its storage config sets one. */
  indexPrefix?: string;
}

/**
 * Runs Jaeger's es-index-cleaner: deletes Jaeger's daily indices (jaeger-span-YYYY-MM-DD,
 * jaeger-service-…, …) created before the retention. It goes by each index's creation date, not by the
 * date in its name, and leaves other indices alone. Resolves with the names of the deleted indices.
 */
export async function cleanIndices(
  { url, days, indexPrefix }: CleanIndicesOptions,
  log: (line: string) => void = console.log,
): Promise<string[]> {
  if (!Number.isInteger(days) || days < 0)
    throw new Error(`The retention must be a whole number of days, 0 or more, not ${days}.`);
  const cleaner = await ensureNativeBinary('es-index-cleaner', log);
  const args = [...(indexPrefix ? [`--index-prefix=${indexPrefix}`] : []), String(days), url];
  let output: string;
  try {
    const { stdout, stderr } = await run(cleaner, args);
    output = stdout + stderr;
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string };
    // Its last line says why, after the date and time.
    const why = lastLines(`${failure.stdout ?? ''}${failure.stderr ?? ''}`, 1).replace(/^[\d/]+ [\d:]+ /, '');
    throw new Error(`es-index-cleaner could not clean OpenSearch at ${url}: ${why || failure.message}`, {
      cause: error,
    });
  }
  // It logs JSON lines; one of them lists what it deletes.
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; indices?: { Index: string }[] };
    if (entry.msg === 'Deleting indices') return (entry.indices ?? []).map((index) => index.Index);
  }
  return [];
}
