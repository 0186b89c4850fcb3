import { readSettings } from './read-settings.ts';

/** The page's settings, from the VITE_* variables that Vite puts in at build time. */
export const settings = readSettings(import.meta.env, location.origin);
