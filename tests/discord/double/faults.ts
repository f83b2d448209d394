import type { ServerResponse } from 'node:http';
import type { DiscordDouble } from './server.js';

/** How a failing route answers. */
export type RouteFailure =
  /** Discord's rate limit: 429 with Retry-After (seconds), the route left undone. */
  | { status: 429; retryAfter: number }
  /**
   * A server error. `lost`: the double does the work, then its success goes out as `status`
   * (Discord did it but the answer was lost on the way, a proxy's 502), so the client cannot tell it went through.
   */
  | { status: 500 | 502; lost?: boolean };

export type FailRoute = {
  method: string;
  /** Matched against the route (the path after /api/v10). */
  route: RegExp;
  /** How many matching requests fail before the route works again (default 1). */
  times?: number;
} & RouteFailure;

export interface RouteFault {
  /** How many requests have failed so far. */
  readonly count: number;
  /** Stops failing the route. */
  restore(): void;
}

/** Makes the double fail the first `times` requests to a route, the way Discord does (see RouteFailure). */
export function failRoute(discord: DiscordDouble, fault: FailRoute): RouteFault {
  const times = fault.times ?? 1;
  let count = 0;
  const restore = discord.intercept(({ method, route }, res) => {
    if (method !== fault.method || !fault.route.test(route) || count >= times) return false;
    count++;
    if (fault.status === 429) {
      tooManyRequests(res, fault.retryAfter);
      return true;
    }
    if (fault.lost) {
      loseAnswer(res, fault.status);
      return false;
    }
    serverError(res, fault.status);
    return true;
  });
  return {
    get count() {
      return count;
    },
    restore,
  };
}

/** Answers a request the way Discord rate-limits a route: 429 with Retry-After in seconds. */
function tooManyRequests(res: ServerResponse, seconds: number): void {
  res.writeHead(429, {
    'content-type': 'application/json',
    'retry-after': String(seconds),
    'x-ratelimit-scope': 'user',
  });
  res.end(JSON.stringify({ message: 'You are being rate limited.', retry_after: seconds, global: false }));
}

function serverError(res: ServerResponse, status: 500 | 502): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message: status === 500 ? 'Internal Server Error' : 'Bad Gateway', code: 0 }));
}

/** Lets the double handle the request, then turns its success into `status`. */
function loseAnswer(res: ServerResponse, status: 500 | 502): void {
  const writeHead = res.writeHead.bind(res) as (code: number, ...rest: unknown[]) => ServerResponse;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let lost = false;
  res.writeHead = ((code: number, ...rest: unknown[]) => {
    lost = code < 300;
    return lost ? writeHead(status, { 'content-type': 'application/json' }) : writeHead(code, ...rest);
  }) as ServerResponse['writeHead'];
  res.end = ((...args: unknown[]) =>
    lost ? end(JSON.stringify({ message: 'Bad Gateway', code: 0 })) : end(...args)) as ServerResponse['end'];
}
