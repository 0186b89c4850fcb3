// What Jaeger wrote to OpenSearch, read from OpenSearch's own API: the span documents (one per span
// write: a bulk retried after a partial success writes some twice) and where the span index's shards are.

/** A span's key, as its trace id and span id (lowercase hex) make it. */
export const spanKey = (traceId: string, spanId: string) => `${traceId}/${spanId}`;

export interface StoredSpans {
  /** How many documents each span has. */
  copies: Map<string, number>;
  documents: number;
}

async function openSearch<T>(url: string, path: string, body?: object): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`OpenSearch at ${url} answered ${response.status} to ${path}: ${text}`);
  return JSON.parse(text) as T;
}

interface SearchPage {
  _scroll_id?: string;
  _shards: { total: number; successful: number };
  hits: { hits: { _source: { traceID: string; spanID: string } }[] };
}

/**
 * Every span document in Jaeger's span indices that matches `query` and that search sees: those
 * indexed up to a second ago (the indices' refresh interval). Fails when a shard does not answer, rather than count short:
 * OpenSearch answers 200 without the shards that have no copy left, saying only that fewer succeeded.
 */
export async function storedSpans(url: string, query: object = { match_all: {} }): Promise<StoredSpans> {
  const copies = new Map<string, number>();
  let documents = 0;
  const search = async (path: string, body: object) => {
    const answer = await openSearch<SearchPage>(url, path, body);
    const { successful, total } = answer['_shards'];
    if (successful < total) throw new Error(`only ${successful} of ${total} shards of the span indices answered`);
    return answer;
  };
  let page = await search('/jaeger-span-*/_search?scroll=1m', {
    size: 5000,
    query,
    _source: ['traceID', 'spanID'],
    sort: ['_doc'],
  });
  try {
    while (page.hits.hits.length > 0) {
      for (const { _source: span } of page.hits.hits) {
        const key = spanKey(span.traceID, span.spanID);
        copies.set(key, (copies.get(key) ?? 0) + 1);
        documents++;
      }
      page = await search('/_search/scroll', { scroll: '1m', scroll_id: page['_scroll_id'] });
    }
  } finally {
    if (page['_scroll_id']) {
      await fetch(`${url}/_search/scroll/${page['_scroll_id']}`, { method: 'DELETE' }).catch(() => undefined);
    }
  }
  return { copies, documents };
}

export interface Shard {
  index: string;
  shard: string;
  prirep: 'p' | 'r';
  state: string;
  node: string | null;
}

/** The shards of Jaeger's span indices, from `_cat/shards`. */
export function spanShards(url: string): Promise<Shard[]> {
  return openSearch<Shard[]>(url, '/_cat/shards/jaeger-span-*?format=json&h=index,shard,prirep,state,node');
}

/** The name of the cluster's elected cluster manager. */
export async function clusterManager(url: string): Promise<string> {
  const [manager] = await openSearch<{ node: string }[]>(url, '/_cat/cluster_manager?format=json');
  return manager.node;
}
