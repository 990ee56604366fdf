import type { LoggerService, LogLevel } from '@nestjs/common';

const ORDER = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof ORDER)[number];

function describe(value: unknown): Record<string, unknown> {
  if (value instanceof Error) return { msg: value.message, err: value.stack };
  if (value && typeof value === 'object') return { ...(value as Record<string, unknown>) };
  return { msg: String(value) };
}

/**
 * Nest's logger as one JSON object per line on stdout: `time`, `level`, `context`, `msg` and
 * whatever fields the caller passed (request id, method, route, status, duration...).
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    level: Level = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {
    this.threshold = ORDER.indexOf(level);
  }

  private emit(level: Level, message: unknown, params: unknown[]): void {
    if (ORDER.indexOf(level) < this.threshold) return;
    // Nest passes the context last; a second string before it is a message or a stack.
    const rest = [...params];
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, ...(context ? { context } : {}), ...describe(message) };
    for (const extra of rest) {
      if (typeof extra === 'string') entry.msg = entry.msg === undefined ? extra : `${String(entry.msg)}: ${extra}`;
      else if (extra !== undefined) Object.assign(entry, describe(extra));
    }
    this.write(JSON.stringify(entry) + '\n');
  }

  log(message: unknown, ...params: unknown[]): void {
    this.emit('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.emit('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }
  setLogLevels?(levels: LogLevel[]): void {
    void levels;
  }
}
