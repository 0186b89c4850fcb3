/**
 * A project setting that is `true` or `false` (in any case), false when unset or empty. Anything else is
 * refused in one line that names the variable, and false applies: a setting never stops the app.
 */
export function readSwitch(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[name]?.trim().toLowerCase() ?? '';
  if (value === 'true') return true;
  if (value !== '' && value !== 'false') {
    console.error(`OpenTelemetry: ${name} must be true or false, got "${env[name]}": it stays false.`);
  }
  return false;
}
