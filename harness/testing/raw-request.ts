import { request, type IncomingHttpHeaders } from 'node:http';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends `method path` to 127.0.0.1:`port` exactly as written (no normalization, quotes and angle brackets too). */
export function sendRaw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/**
 * Sends `body` to `${baseUrl}/v1/traces` from `localAddress`, with `headers` too, in one go or,
 * `chunked`, in small pieces with no Content-Length, as a stream whose size nobody announced.
 */
export function sendOtlp(
  baseUrl: string,
  {
    method = 'POST',
    type = 'application/json',
    body = '{}',
    chunked = false,
    localAddress = '127.0.0.1',
    headers: more = {},
  }: {
    method?: string;
    type?: string;
    body?: string;
    chunked?: boolean;
    localAddress?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': type, ...more };
    if (!chunked && method === 'POST') headers['Content-Length'] = String(Buffer.byteLength(body));
    const outgoing = request(
      `${baseUrl.replace(/\/$/, '')}/v1/traces`,
      { method, headers, localAddress },
      async (incoming) => {
        let text = '';
        for await (const chunk of incoming) text += chunk;
        resolve({ status: incoming.statusCode!, headers: incoming.headers, body: text });
      },
    );
    outgoing.on('error', reject);
    if (method !== 'POST') return void outgoing.end();
    if (!chunked) return void outgoing.end(body);
    const piece = 1000;
    let at = 0;
    const next = () => {
      if (at >= body.length) return void outgoing.end();
      outgoing.write(body.slice(at, (at += piece)), next);
    };
    next();
  });
}
