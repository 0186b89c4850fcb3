import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createSessionManager } from '@opentelemetry/web-common';
import { ActivitySessionStore } from './session-store.ts';
import { withActivity } from './sessions.ts';

const LIMITS = { inactivityTimeout: 60, maxDuration: 600 };

/** A Storage of its own for each test, as each browser profile has. */
function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

/** A page load: a new manager on the profile's storage, started, its session id read as a span would. */
async function load(storage: Pick<Storage, 'getItem' | 'setItem'>): Promise<{ id: string; shutdown(): void }> {
  const store = new ActivitySessionStore(LIMITS, storage);
  let id = 1;
  const sessions = createSessionManager({
    sessionIdGenerator: { generateSessionId: () => `${Date.now()}-${id++}` },
    sessionStore: store,
    ...LIMITS,
  });
  await sessions.start();
  return { id: withActivity(sessions, store).getSessionId()!, shutdown: () => sessions.shutdown() };
}

function useClock(t: TestContext): (ms: number) => void {
  t.mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 });
  return (ms) => t.mock.timers.tick(ms);
}

test('a reload within the limits keeps the session; another profile has its own', async (t) => {
  const advance = useClock(t);
  const storage = memoryStorage();
  const first = await load(storage);
  first.shutdown();
  advance(50_000);
  const second = await load(storage);
  second.shutdown();
  assert.equal(second.id, first.id);
  const other = await load(memoryStorage());
  other.shutdown();
  assert.notEqual(other.id, first.id);
});

test('a reload after the inactivity timeout starts a new session, counted from the last span', async (t) => {
  const advance = useClock(t);
  const storage = memoryStorage();
  const first = await load(storage);
  first.shutdown();
  // Each load's span is activity: 50 s apart, the session lives on past its first minute.
  advance(50_000);
  (await load(storage)).shutdown();
  advance(50_000);
  const third = await load(storage);
  third.shutdown();
  assert.equal(third.id, first.id);
  advance(60_000);
  const afterIdle = await load(storage);
  afterIdle.shutdown();
  assert.notEqual(afterIdle.id, first.id);
});

test('a reload after the maximum duration starts a new session, however active', async (t) => {
  const advance = useClock(t);
  const storage = memoryStorage();
  const first = await load(storage);
  first.shutdown();
  let last = first.id;
  for (let elapsed = 0; elapsed < 600_000; elapsed += 50_000) {
    advance(50_000);
    const next = await load(storage);
    next.shutdown();
    last = next.id;
  }
  assert.notEqual(last, first.id);
});

test('what is stored but not a session is no session; refused storage is no storage', async () => {
  const storage = memoryStorage();
  for (const value of ['not json', '{"id":5}', '{"id":"a","startTimestamp":1}', 'null']) {
    storage.items.set('otel-web-session', value);
    assert.equal(await new ActivitySessionStore(LIMITS, storage).get(), null, value);
  }
  const refusing = {
    getItem: () => {
      throw new Error('SecurityError');
    },
    setItem: () => {
      throw new Error('QuotaExceededError');
    },
  };
  const store = new ActivitySessionStore(LIMITS, refusing);
  assert.equal(await store.get(), null);
  await store.save({ id: 'a', startTimestamp: 1 });
  store.noteActivity();
});
