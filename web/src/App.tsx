import { useState, type FormEvent } from 'react';
import { sayHello, type Greeting } from './sayHello.ts';
import { jaegerTraceUrl, settings } from './settings.ts';

export function App() {
  const [name, setName] = useState('GoFrame');
  const [pending, setPending] = useState(false);
  const [greeting, setGreeting] = useState<Greeting>();

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setPending(true);
    setGreeting(await sayHello(name, settings.serverUrl));
    setPending(false);
  }

  return (
    <main>
      <h1>hello-trace</h1>
      <p>
        Sends <code>GET {settings.serverUrl}/hello</code> with W3C baggage <code>name</code>, inside a span
        that the server continues.
      </p>
      <form onSubmit={onSubmit}>
        <label>
          Name <input value={name} maxLength={64} onChange={(event) => setName(event.target.value)} />
        </label>
        <button type="submit" disabled={pending}>
          Say hello
        </button>
      </form>
      {greeting && (
        <dl>
          {greeting.answer !== undefined && (
            <>
              <dt>Answer</dt>
              <dd data-testid="answer">{greeting.answer}</dd>
            </>
          )}
          {greeting.error !== undefined && (
            <>
              <dt>Error</dt>
              <dd data-testid="error" role="alert">
                {greeting.error}
              </dd>
            </>
          )}
          <dt>Trace id</dt>
          <dd>
            <code data-testid="trace-id">{greeting.traceId}</code>{' '}
            <a href={jaegerTraceUrl(settings.jaegerUiUrl, greeting.traceId)} target="_blank" rel="noreferrer">
              Open in Jaeger
            </a>
          </dd>
        </dl>
      )}
    </main>
  );
}
