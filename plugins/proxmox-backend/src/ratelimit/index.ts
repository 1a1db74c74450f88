export { readRateLimitsConfig, DEFAULT_RATE_LIMITS } from './config';
export type { RateLimit, RateLimitsConfig } from './config';
export { createRateLimiters, WRITE_METHODS } from './rateLimits';
export type { RateLimiters } from './rateLimits';
