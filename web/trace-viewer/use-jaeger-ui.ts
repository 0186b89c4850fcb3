import { useCallback, useEffect, useState } from 'react';
import { JAEGER_UI_API_PATH, type JaegerUiAnswer } from '@hello-trace/page-api';

/**
 * Whether Jaeger serves its UI, as the page server finds it, asked when the page opens; `askAgain`
 * asks anew (at every click, since Jaeger may have come up or been replaced since). Undefined until
 * it answers, and when it cannot tell: with Jaeger down, the trace view says so.
 */
export function useJaegerUi(): [answer: JaegerUiAnswer | undefined, askAgain: () => void] {
  const [answer, setAnswer] = useState<JaegerUiAnswer>();
  const ask = useCallback(() => void askPageServer().then(setAnswer), []);
  useEffect(ask, [ask]);
  return [answer, ask];
}

async function askPageServer(): Promise<JaegerUiAnswer | undefined> {
  try {
    const response = await fetch(JAEGER_UI_API_PATH);
    if (response.ok) return (await response.json()) as JaegerUiAnswer;
    // Read even though the trace view says what failed: an unread body keeps the request open.
    await response.text();
    return undefined;
  } catch {
    return undefined;
  }
}
