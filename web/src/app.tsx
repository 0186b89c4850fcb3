import { useEffect, useState, type FormEvent } from 'react';
import { formatMs, traceLink, TraceLinks, TraceView, useJaegerUi, useTraceWait } from '../trace-viewer/index.ts';
import { pageLoadTrace, type PageLoadTrace } from './page-load-trace.ts';
import { sayHello, SCENARIOS, type Greeting, type Scenario } from './say-hello.ts';
import { settings } from './settings.ts';

const HISTORY_LENGTH = 5;
const SCENARIO_LABELS: Record<Scenario, string> = {
  normal: 'normal',
  slow: 'slow (the server waits 300 ms)',
  failing: 'failing (the server answers 500)',
  downstream: 'downstream (the server asks hello-greeter)',
};

export function App() {
  const [name, setName] = useState('GoFrame');
  const [scenario, setScenario] = useState<Scenario>('normal');
  const [pending, setPending] = useState(false);
  const [history, setHistory] = useState<Greeting[]>([]);
  const latest = history[0];
  const [jaegerUi, askJaegerUiAgain] = useJaegerUi();
  const traceWait = useTraceWait();
  const [pageLoad, setPageLoad] = useState<PageLoadTrace>();
  const [showPageLoad, setShowPageLoad] = useState(false);
  useEffect(() => void pageLoadTrace.then(setPageLoad), []);
  // The latest click's trace, or the page load's until the first click and when asked for.
  const shownPageLoad = pageLoad?.sampled && (showPageLoad || !latest) ? pageLoad : undefined;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    setShowPageLoad(false);
    askJaegerUiAgain();
    const greeting = await sayHello(name, settings.serverUrl, scenario, settings.stack);
    setHistory((previous) => [greeting, ...previous].slice(0, HISTORY_LENGTH));
    setPending(false);
  }

  return (
    <main>
      <h1>hello-trace</h1>
      <p>
        Sends <code>GET {settings.serverUrl}/hello</code> with W3C baggage <code>name</code>, inside a span that the
        server continues, then shows the whole trace from Jaeger.
      </p>
      <form onSubmit={onSubmit}>
        <label>
          Name <input value={name} maxLength={64} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Scenario{' '}
          <select value={scenario} onChange={(event) => setScenario(event.target.value as Scenario)}>
            {SCENARIOS.map((value) => (
              <option key={value} value={value}>
                {SCENARIO_LABELS[value]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={pending}>
          Say hello
        </button>
      </form>

      {latest && (
        <>
          <dl>
            {latest.answer !== undefined && (
              <>
                <dt>Answer</dt>
                <dd data-testid="answer">{latest.answer}</dd>
              </>
            )}
            {latest.error !== undefined && (
              <>
                <dt>Error</dt>
                <dd data-testid="error" role="alert">
                  {latest.error}
                </dd>
              </>
            )}
            <dt>Trace id</dt>
            <dd>
              <code data-testid="trace-id">{latest.traceId}</code>{' '}
              {latest.sampled ? (
                <TraceLinks jaegerUiUrl={settings.jaegerUiUrl} traceId={latest.traceId} jaegerUi={jaegerUi} />
              ) : (
                <span data-testid="not-sampled">not traced: this session is not sampled</span>
              )}
            </dd>
            {latest.serverSpanId && (
              <>
                <dt>Server span</dt>
                <dd>
                  <code data-testid="server-span-id">{latest.serverSpanId}</code>
                  {latest.serverTimeMs !== undefined && (
                    <>
                      {' '}
                      handled in <span data-testid="server-time">{formatMs(latest.serverTimeMs)}</span>
                    </>
                  )}
                </dd>
              </>
            )}
          </dl>
          {!shownPageLoad && latest.sampled && (
            <TraceView
              key={latest.traceId}
              traceId={latest.traceId}
              of="click"
              pageService={settings.tracing.serviceName}
              wait={traceWait}
            />
          )}
        </>
      )}
      {shownPageLoad && (
        <TraceView
          key={shownPageLoad.traceId}
          traceId={shownPageLoad.traceId}
          of="pageLoad"
          pageService={settings.tracing.serviceName}
          wait={traceWait}
        />
      )}

      {(pageLoad || history.length > 0) && (
        <section aria-label="Recent requests">
          <h2>Recent requests</h2>
          <ol className="history" data-testid="history">
            {pageLoad && (
              <li data-testid="page-load">
                This page load: <PageLoadSummary trace={pageLoad} />
                {pageLoad.sampled && (
                  <>
                    {' '}
                    <a
                      href={traceLink(settings.jaegerUiUrl, pageLoad.traceId, jaegerUi)}
                      target="_blank"
                      rel="noreferrer"
                    >
                      trace {pageLoad.traceId.slice(0, 8)}…
                    </a>{' '}
                    <button type="button" disabled={shownPageLoad !== undefined} onClick={() => setShowPageLoad(true)}>
                      Show
                    </button>
                  </>
                )}
              </li>
            )}
            {history.map((greeting) => (
              <li key={greeting.traceId}>
                {greeting.scenario}: {greeting.answer ?? greeting.error} in {formatMs(greeting.durationMs)}{' '}
                {greeting.sampled ? (
                  <a
                    href={traceLink(settings.jaegerUiUrl, greeting.traceId, jaegerUi)}
                    target="_blank"
                    rel="noreferrer"
                  >
                    trace {greeting.traceId.slice(0, 8)}…
                  </a>
                ) : (
                  'not traced'
                )}
              </li>
            ))}
          </ol>
        </section>
      )}
    </main>
  );
}

function PageLoadSummary({ trace }: { trace: PageLoadTrace }) {
  if (!trace.sampled && trace.fromPageServer) return <>not traced: the page server's traceparent says not sampled.</>;
  if (!trace.sampled) return <>not traced: this session is not sampled.</>;
  if (trace.fromPageServer) return <>continues the page server's trace.</>;
  return <>a trace of its own: the HTML carries no traceparent from the page server.</>;
}
