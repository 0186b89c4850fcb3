import type express from 'express';

/** On every answer: plain text that the browser must not sniff, made for its request and never cached. */
export const PLAIN_TEXT_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };

/** Every answer is plain text, which the X-Content-Type-Options header forbids sniffing as anything else. */
export function sendText(res: express.Response, status: number, body: string): void {
  res.status(status).type('text/plain; charset=utf-8').send(body);
}
