// `npm run build:native`: builds (or finds in the cache) the collector and Jaeger.
import { ensureNativeBinaries } from '@hello-trace/harness/native';

const binaries = await ensureNativeBinaries();
for (const [name, path] of Object.entries(binaries)) console.log(`${name}: ${path}`);
