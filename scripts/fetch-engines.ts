// `npm run fetch:engines`: fetches (or finds in the cache) OpenSearch and Kafka for the scale path.
import { ensureKafka, ensureOpenSearch } from '@hello-trace/harness/engines';

try {
  console.log(`OpenSearch: ${await ensureOpenSearch()}`);
  console.log(`Kafka: ${await ensureKafka()}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
