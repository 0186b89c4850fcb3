import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-web';
import { createSessionManager } from '@opentelemetry/web-common';
import { pageLoadDecision, sessionSampler } from './session-sampler.ts';
import { ActivitySessionStore } from './session-store.ts';
import { withActivity } from './sessions.ts';

const LIMITS = { inactivityTimeout: 60, maxDuration: 600 };

/** A browser profile: its localStorage, and the cookies its page wrote, newest last. */
function profile() {
  const items = new Map<string, string>();
  const cookies: string[] = [];
  return {
    storage: {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
    },
    jar: {
      get cookie() {
        return '';
      },
      set cookie(value: string) {
        cookies.push(value);
      },
    },
    cookies,
  };
}
type Profile = ReturnType<typeof profile>;

let sessionIds = 0;

/**
 * A page load in `browser`, as sessions.ts starts it: the stored session or a new one, and the
 * sampler of `ratio`; `pageLoad` is what the HTML's traceparent says, if it has one.
 */
async function load(t: TestContext, browser: Profile, ratio: number, pageLoad?: boolean) {
  const store = new ActivitySessionStore(LIMITS, browser.storage, browser.jar);
  const manager = createSessionManager({
    sessionIdGenerator: { generateSessionId: () => `session-${++sessionIds}` },
    sessionStore: store,
    ...LIMITS,
  });
  await manager.start();
  // Its timers would keep the test running, should it fail before the page is left.
  t.after(() => manager.shutdown());
  const tracer = new BasicTracerProvider({
    sampler: sessionSampler(withActivity(manager, store), store, ratio, pageLoad),
  }).getTracer('test');
  return {
    tracer,
    sessionId: () => manager.getSessionId(),
    /** Whether a span without a parent, such as a click's, is recorded. */
    clickSampled: () => sampled(tracer),
    shutdown: () => manager.shutdown(),
  };
}

function sampled(tracer: Tracer, parent = ROOT_CONTEXT): boolean {
  const span = tracer.startSpan('StartRequests', {}, parent);
  const recording = span.isRecording();
  span.end();
  return recording;
}

function useClock(t: TestContext): (ms: number) => void {
  t.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 });
  return (ms) => t.mock.timers.tick(ms);
}

test('at 0 no span is recorded and at 1 every one; a span with a parent follows it', async (t) => {
  for (const ratio of [0, 1]) {
    const page = await load(t, profile(), ratio);
    const click = page.tracer.startSpan('StartRequests');
    assert.equal(click.isRecording(), ratio === 1);
    assert.equal(click.spanContext().traceFlags, ratio === 1 ? TraceFlags.SAMPLED : TraceFlags.NONE);
    // The fetch span under it, whose traceparent the server gets.
    const fetchSpan = page.tracer.startSpan('GET', {}, trace.setSpan(context.active(), click));
    assert.equal(fetchSpan.spanContext().traceFlags, click.spanContext().traceFlags);
    page.shutdown();
  }
});

test("the page load's traceparent decides its session, whatever the ratio; its documentLoad and the clicks follow", async (t) => {
  for (const [ratio, pageLoad] of [
    [0, true],
    [1, false],
  ] as const) {
    const page = await load(t, profile(), ratio, pageLoad);
    const server = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: pageLoad ? TraceFlags.SAMPLED : TraceFlags.NONE,
      isRemote: true,
    };
    assert.equal(sampled(page.tracer, trace.setSpanContext(ROOT_CONTEXT, server)), pageLoad, 'documentLoad');
    assert.equal(page.clickSampled(), pageLoad, 'a click');
    page.shutdown();
  }
});

test('a session keeps its decision across reloads, also where the HTML names no span, and a new session decides again', async (t) => {
  const advance = useClock(t);
  const random = t.mock.method(Math, 'random', () => 0.2);
  const browser = profile();
  const first = await load(t, browser, 0.5);
  const sessionId = first.sessionId();
  assert.equal(first.clickSampled(), true, 'drew 0.2, below 0.5');
  first.shutdown();
  random.mock.mockImplementation(() => 0.9);
  advance(50_000);
  const reload = await load(t, browser, 0.5);
  assert.equal(reload.sessionId(), sessionId);
  assert.equal(reload.clickSampled(), true, 'the stored decision, not a new draw');
  reload.shutdown();
  // Idle past the timeout: the next load starts a session, which draws again.
  advance(61_000);
  const later = await load(t, browser, 0.5);
  assert.notEqual(later.sessionId(), sessionId);
  assert.equal(later.clickSampled(), false, 'drew 0.9');
  // A session that starts while the page stays open (its manager's timer) draws again too.
  random.mock.mockImplementation(() => 0.1);
  advance(61_000);
  assert.equal(later.clickSampled(), true, 'drew 0.1');
  later.shutdown();
});

test("a dropped session's clicks are its activity: it lasts while they go on", async (t) => {
  const advance = useClock(t);
  const browser = profile();
  const page = await load(t, browser, 0);
  const sessionId = page.sessionId();
  for (let elapsed = 0; elapsed < 180_000; elapsed += 50_000) {
    advance(50_000);
    assert.equal(page.clickSampled(), false);
  }
  assert.equal(page.sessionId(), sessionId, 'no new session in the page');
  page.shutdown();
  const reload = await load(t, browser, 1);
  assert.equal(reload.sessionId(), sessionId, 'nor after a reload');
  assert.equal(reload.clickSampled(), false);
  reload.shutdown();
});

test('over 2,000 sessions at 0.5 about half are kept, and each one whole', async (t) => {
  const sessions = 2_000;
  let kept = 0;
  for (let session = 0; session < sessions; session++) {
    const browser = profile();
    const page = await load(t, browser, 0.5);
    const decisions = [page.clickSampled(), page.clickSampled()];
    page.shutdown();
    const reload = await load(t, browser, 0.5);
    decisions.push(reload.clickSampled());
    reload.shutdown();
    assert.equal(new Set(decisions).size, 1, `session ${session} was split: ${decisions}`);
    if (decisions[0]) kept++;
  }
  // Binomial(2000, 0.5): mean 1000, standard deviation 22.4. Outside 5 of them (888 to 1112) with a
  // chance of about 6 in 10 million.
  assert.ok(Math.abs(kept - 1000) <= 112, `${kept} of ${sessions} kept`);
});

/** What the store writes for a session kept (1) or dropped (0), which ends in `maxAge` seconds. */
const cookie = (maxAge: number, value = 0) =>
  `otel-session-sampled=${value}; Max-Age=${maxAge}; Path=/; SameSite=Strict`;

test("the cookie tells the page's server the decision until the session would end, never longer", async (t) => {
  const advance = useClock(t);
  t.mock.method(Math, 'random', () => 0.7);
  const browser = profile();
  const page = await load(t, browser, 0.5);
  // A new session has no decision yet, then has one, at once.
  assert.deepEqual(browser.cookies, [cookie(0), cookie(60)]);
  // Each span is activity: idle ends 60 s after it, until the session's last minute.
  for (let elapsed = 0; elapsed < 520_000; elapsed += 40_000) {
    advance(40_000);
    page.clickSampled();
  }
  assert.equal(browser.cookies.at(-1), cookie(60));
  advance(59_500);
  page.clickSampled();
  assert.equal(browser.cookies.at(-1), cookie(21), '600 s after it began, rounded up');
  page.shutdown();

  const secure = profile();
  const store = new ActivitySessionStore(LIMITS, secure.storage, secure.jar, true);
  await store.save({ id: 'a', startTimestamp: Date.now() });
  store.decide(true);
  assert.equal(secure.cookies.at(-1), `${cookie(60, 1)}; Secure`, 'on https');
});

test('a ratio outside 0 to 1 is refused', () => {
  const browser = profile();
  const store = new ActivitySessionStore(LIMITS, browser.storage, browser.jar);
  for (const ratio of [-0.1, 1.5, Number.NaN]) {
    assert.throws(() => sessionSampler({ getSessionId: () => 'a' }, store, ratio), {
      name: 'RangeError',
      message: `sessionSampleRatio must be from 0 to 1, got ${ratio}`,
    });
  }
});

/** A document whose HTML has `<meta name="traceparent" content=…>`, or none. */
const html = (content?: string) => ({
  querySelector: (selector: string) =>
    content !== undefined && selector === 'meta[name="traceparent"]' ? ({ content } as never) : null,
});

test("the page load's decision is the sampled flag of the HTML's traceparent, when it is one", () => {
  const ids = '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331';
  for (const [content, decision] of [
    [`00-${ids}-01`, true],
    [`00-${ids}-00`, false],
    [`00-${ids}-03`, true],
    [`00-${ids}-02`, false],
    [`01-${ids}-01-future`, true],
    [undefined, undefined],
    ['', undefined],
    [`00-${ids}-01-extra`, undefined],
    [`ff-${ids}-01`, undefined],
    [`00-${'0'.repeat(32)}-b7ad6b7169203331-01`, undefined],
    [`00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`, undefined],
    [`00-${ids.toUpperCase()}-01`, undefined],
    ['not a traceparent', undefined],
  ] as const) {
    assert.equal(pageLoadDecision(html(content)), decision, String(content));
  }
  assert.equal(pageLoadDecision(undefined), undefined, 'no document');
});
