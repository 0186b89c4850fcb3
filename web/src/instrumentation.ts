// The page's tracing, imported first by main.tsx so that fetch is patched before anything calls it.
import { startTracing } from '../tracing/index.ts';
import { notePageLoadSpan } from './page-load-trace.ts';
import { settings } from './settings.ts';

await startTracing({ ...settings.tracing, onDocumentLoad: notePageLoadSpan });
