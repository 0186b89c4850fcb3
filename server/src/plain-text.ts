import type express from 'express';

/** Headers on every answer: plain text that the browser must not sniff, made for its request and never cached. */
export function plainTextHeaders(_req: express.Request, res: express.Response, next: express.NextFunction): void {
  res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  next();
}

/** Every answer is plain text, which the X-Content-Type-Options header forbids sniffing as anything else. */
export function sendText(res: express.Response, status: number, body: string): void {
  res.status(status).type('text/plain; charset=utf-8').send(body);
}
