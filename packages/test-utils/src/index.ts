/**
 * Shared test helpers for MycoPod's backend plugins. Test-only; the plugins
 * under test are passed in, so this package depends on none of them.
 */
export * from './personas';
export * from './services';
export * from './scheduler';
export * from './serverBackend';
export * from './simulator';
export * from './stack';
