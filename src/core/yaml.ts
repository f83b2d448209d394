import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The YAML library, loaded on first use (about 7 MB and 25 ms to load, as much again to warm up):
 * a start from a saved index, which carries its aliases, never needs it.
 */
export const yaml = (): typeof import('yaml') => require('yaml') as typeof import('yaml');
