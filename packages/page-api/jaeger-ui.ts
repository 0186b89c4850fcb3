// Whether Jaeger serves its UI, read from the page it serves where the UI would be. Jaeger's UI is
// built apart from Jaeger and embedded at build time; a binary built without it (from Go modules,
// which carry none) serves a placeholder page with 200 at / and at every UI route instead.
import type { JaegerUiAnswer } from './index.ts';

/** The real UI's index.html mounts the app on `<div id="jaeger-ui-root">`. */
const UI_ROOT = /\bid=["']?jaeger-ui-root\b/;
/** Jaeger's placeholder (cmd/query/app/ui/placeholder/index.html) says so in these words. */
const PLACEHOLDER = /not compiled with the UI assets|This is not the Jaeger UI/;

/** What Jaeger's answer at its `/` says about its UI. */
export function readJaegerUi(status: number, statusText: string, html: string): JaegerUiAnswer {
  if (status >= 200 && status < 300 && UI_ROOT.test(html)) return { ui: true };
  if (status >= 200 && status < 300 && PLACEHOLDER.test(html)) {
    return {
      ui: false,
      reason:
        'This Jaeger was built without its UI, as a build from Go modules is (the modules carry none): where the UI would be, it serves a placeholder page.',
    };
  }
  const answered =
    status >= 200 && status < 300 ? 'a page that is not the Jaeger UI' : `${status} ${statusText}`.trim();
  return { ui: false, reason: `Jaeger answers ${answered} where its UI would be.` };
}
