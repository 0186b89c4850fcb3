import { readUrl } from '../web/shared/read-url.ts';

/**
 * The collector's browser receiver, where the page's spans are relayed: COLLECTOR_BROWSER_URL, or the
 * local collector on COLLECTOR_BROWSER_PORT; throws an error naming the variable when malformed.
 */
export function collectorBrowserUrl(env: Record<string, string | undefined> = process.env): string {
  return readUrl(env, 'COLLECTOR_BROWSER_URL', `http://127.0.0.1:${env.COLLECTOR_BROWSER_PORT || 4319}`);
}
