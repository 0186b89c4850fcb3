// The names semantic conventions give an HTTP SERVER span: its method, its name, its route.
import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';

const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);

/** The method as semantic conventions record it: one of the known ones, or `_OTHER`. */
export function methodOf(request: IncomingMessage): string {
  return KNOWN_METHODS.has(request.method ?? '') ? request.method! : '_OTHER';
}

/** `GET`, or `GET /hello` once the route is known; `HTTP` stands for a method that is not a known one. */
export function spanName(method: string, route?: string): string {
  const name = method === '_OTHER' ? 'HTTP' : method;
  return route ? `${name} ${route}` : name;
}

/** Names the span after the route Express matched (its documented `req.baseUrl` and `req.route`), such as `GET /hello`. */
export function nameRoute(span: Span, request: IncomingMessage): void {
  const { baseUrl, route } = request as IncomingMessage & { baseUrl?: string; route?: { path?: unknown } };
  if (typeof route?.path !== 'string') return;
  const path = `${baseUrl ?? ''}${route.path}`;
  span.setAttribute(ATTR_HTTP_ROUTE, path).updateName(spanName(methodOf(request), path));
}
