import type { LoggerService } from '@backstage/backend-plugin-api';

export interface CapturedLog {
  level: string;
  message: string;
  meta?: unknown;
}

/** A LoggerService that records everything (including child metadata). */
export function captureLogger(
  logs: CapturedLog[] = [],
  base: Record<string, unknown> = {},
): LoggerService & { logs: CapturedLog[] } {
  const at = (level: string) => (message: string, meta?: unknown) => {
    logs.push({
      level,
      message: String(message),
      meta: { ...base, ...(meta as object) },
    });
  };
  return {
    logs,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (meta: Record<string, unknown>) =>
      captureLogger(logs, { ...base, ...meta }),
  };
}
