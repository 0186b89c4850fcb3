import type { Instrumentation } from '@opentelemetry/instrumentation';

/** The instrumentations a preload offers, by the suffix of their package's name (`http` for @opentelemetry/instrumentation-http). */
export type Offered = Record<string, (() => Instrumentation) | undefined>;

/**
 * The offered instrumentations that OTEL_NODE_ENABLED_INSTRUMENTATIONS and OTEL_NODE_DISABLED_INSTRUMENTATIONS
 * leave on, as @opentelemetry/auto-instrumentations-node reads them: ENABLED keeps only those it names,
 * DISABLED removes those it names. A name not offered is reported in one line and ignored. Only those
 * left on are made: an instrumentation patches its module as soon as it exists.
 */
export function enabledInstrumentations(offered: Offered, env: NodeJS.ProcessEnv = process.env): Instrumentation[] {
  const enabled = namesIn(env, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', offered);
  const disabled = namesIn(env, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', offered) ?? [];
  return Object.entries(offered).flatMap(([name, make]) =>
    make && (enabled?.includes(name) ?? true) && !disabled.includes(name) ? [make()] : [],
  );
}

/** The names in `env[variable]`, or undefined when it is unset or empty; reports those not offered. */
function namesIn(env: NodeJS.ProcessEnv, variable: string, offered: Offered): string[] | undefined {
  if (!env[variable]) return undefined;
  const names = env[variable]
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !Object.hasOwn(offered, name));
  if (unknown.length > 0) {
    console.error(
      `OpenTelemetry: ${variable} names ${unknown.map((name) => `"${name}"`).join(', ')}, which this app does not ` +
        `offer (it offers ${Object.keys(offered).join(', ')}): ignored.`,
    );
  }
  return names;
}
