// `npm run build:native`: builds (or finds in the cache) the collector and Jaeger.
import { ensureNativeBinaries } from './native.ts';

const binaries = await ensureNativeBinaries();
for (const [name, path] of Object.entries(binaries)) console.log(`${name}: ${path}`);
