/**
 * X's rate limits: fixed windows per endpoint, one bucket per user (OAuth 1.0a / OAuth 2.0 user context) and one per
 * app (app-only bearer, and the 24-hour app totals that also count user-context calls), with X's published numbers
 * (research §7.1, from docs.x.com "Rate limits"). Every decision carries the `x-rate-limit-*` headers (and the
 * `x-app-limit-24hour-*` headers where an app-wide day limit applies) so each response can carry them; an exhausted
 * bucket yields X's 429 body (v2: the observed `about:blank` problem; v1.1: code 88).
 *
 * Windows can be scaled (`windowScale: 0.001` makes 15 minutes last 900 ms) and limits overridden per operation, so
 * tests reach a limit in a few requests. Time comes from `Clock`, so unit tests use `TestClock`.
 *
 * @internal
 */
import { HttpServerResponse } from "@effect/platform"
import { Clock, Context, Effect, Layer } from "effect"
import type { ApiSurface, AuthKind } from "./context.js"

/** A fixed window: `limit` requests per `windowSeconds`. @internal */
export interface Window {
  readonly limit: number
  readonly windowSeconds: number
}

/** The limits of one endpoint. @internal */
export interface EndpointLimits {
  /** Upper-case method. */
  readonly method: string
  /** Route template as X writes it, e.g. `/2/media/upload/:id/append`. */
  readonly route: string
  /** Operation names (see `RequestInfoData.operation`) that share this bucket. */
  readonly operations: ReadonlyArray<string>
  /** Per-user window (user-context auth). */
  readonly user?: Window | undefined
  /** Per-app window (app-only bearer; for 24-hour windows also the app-wide total of user-context calls). */
  readonly app?: Window | undefined
  /** Where the numbers come from. */
  readonly source: string
}

const m15 = 15 * 60
const h24 = 24 * 60 * 60
const RL = "docs.x.com/x-api/fundamentals/rate-limits (research §7.1)"

/**
 * X's published limits for the media endpoints and POST/DELETE /2/tweets (research §7.1).
 *
 * @internal
 */
export const xLimits: ReadonlyArray<EndpointLimits> = [
  { method: "POST", route: "/2/media/upload", operations: ["media.upload", "media.upload.command"], user: { limit: 500, windowSeconds: m15 }, app: { limit: 50_000, windowSeconds: h24 }, source: RL },
  { method: "GET", route: "/2/media/upload", operations: ["media.status"], user: { limit: 1_000, windowSeconds: m15 }, app: { limit: 100_000, windowSeconds: h24 }, source: RL },
  { method: "POST", route: "/2/media/upload/initialize", operations: ["media.initialize"], user: { limit: 1_875, windowSeconds: m15 }, app: { limit: 180_000, windowSeconds: h24 }, source: RL },
  { method: "POST", route: "/2/media/upload/:id/append", operations: ["media.append"], user: { limit: 1_875, windowSeconds: m15 }, app: { limit: 180_000, windowSeconds: h24 }, source: RL },
  { method: "POST", route: "/2/media/upload/:id/finalize", operations: ["media.finalize"], user: { limit: 1_875, windowSeconds: m15 }, app: { limit: 180_000, windowSeconds: h24 }, source: RL },
  { method: "POST", route: "/2/media/metadata", operations: ["media.metadata.create", "media.metadata"], user: { limit: 500, windowSeconds: m15 }, app: { limit: 50_000, windowSeconds: h24 }, source: RL },
  { method: "POST", route: "/2/media/subtitles", operations: ["media.subtitles.create"], user: { limit: 100, windowSeconds: m15 }, app: { limit: 10_000, windowSeconds: h24 }, source: RL },
  { method: "DELETE", route: "/2/media/subtitles", operations: ["media.subtitles.delete"], user: { limit: 100, windowSeconds: m15 }, app: { limit: 10_000, windowSeconds: h24 }, source: RL },
  { method: "POST", route: "/2/tweets", operations: ["posts.create"], user: { limit: 100, windowSeconds: m15 }, app: { limit: 10_000, windowSeconds: h24 }, source: RL },
  { method: "DELETE", route: "/2/tweets/:id", operations: ["posts.delete"], user: { limit: 50, windowSeconds: m15 }, source: RL }
]

/**
 * The window used where X publishes no number (analytics, lookups, v1.1): 900 per 15 minutes per user and per app.
 * An emulator choice, documented as such, so every response still carries coherent headers.
 *
 * @internal
 */
export const unlistedLimits: Omit<EndpointLimits, "method" | "route" | "operations"> = {
  user: { limit: 900, windowSeconds: m15 },
  app: { limit: 900, windowSeconds: m15 },
  source: "emulator default: X publishes no number for this endpoint"
}

/** Options of {@link make}. @internal */
export interface Options {
  /** Multiplies every window's length (default 1; `0.001` turns 15 minutes into 900 ms). */
  readonly windowScale?: number | undefined
  /** Per-operation overrides, e.g. `{ "media.append": { user: { limit: 3, windowSeconds: 60 } } }`. */
  readonly overrides?: Readonly<Record<string, { readonly user?: Window; readonly app?: Window }>> | undefined
  /** Turns limiting off (headers are still sent). */
  readonly disabled?: boolean | undefined
}

/** Who is calling what: read from the request context after auth. @internal */
export interface Subject {
  readonly operation: string
  readonly method: string
  readonly route: string
  readonly api: ApiSurface
  readonly authKind: AuthKind
  readonly userId?: string | undefined
  readonly appId?: string | undefined
}

/** The outcome of counting one request. @internal */
export interface Decision {
  readonly allowed: boolean
  /** Headers to add to the response, whatever it is. */
  readonly headers: Readonly<Record<string, string>>
  /** Epoch ms when the exhausted window resets (for a 429). */
  readonly resetAtMs?: number | undefined
  /** Which bucket refused the request. */
  readonly exhausted?: "user" | "app" | "app-24h" | undefined
}

/** A rate limiter. @internal */
export interface RateLimiter {
  /** Counts one request and decides; never fails. */
  readonly check: (subject: Subject) => Effect.Effect<Decision>
  /** Forgets every window (admin reset). */
  readonly reset: Effect.Effect<void>
  /** The limits that apply to a request (for docs, admin and tests). */
  readonly limitsFor: (subject: Pick<Subject, "operation" | "method" | "route">) => Omit<EndpointLimits, "method" | "route" | "operations">
}

/** Context tag for the emulator's {@link RateLimiter}. @internal */
export class RateLimits extends Context.Tag("@xmedia/emulator/RateLimits")<RateLimits, RateLimiter>() {}

interface Bucket {
  start: number
  count: number
}

/**
 * Makes a {@link RateLimiter}.
 *
 * @example
 * const limiter = yield* RateLimits.make({ windowScale: 0.001 })
 * const decision = yield* limiter.check({ operation: "media.append", method: "POST", route: "/2/media/upload/:id/append", api: "v2", authKind: "oauth2-user", userId, appId })
 * @internal
 */
export const make = (options: Options = {}): Effect.Effect<RateLimiter> =>
  Effect.sync(() => {
    const scale = options.windowScale ?? 1
    const buckets = new Map<string, Bucket>()

    const limitsFor: RateLimiter["limitsFor"] = (subject) => {
      const found = xLimits.find((l) => l.operations.includes(subject.operation)) ??
        xLimits.find((l) => l.method === subject.method.toUpperCase() && l.route === subject.route)
      const base = found ?? unlistedLimits
      const override = options.overrides?.[subject.operation]
      return {
        user: override?.user ?? base.user,
        app: override?.app ?? base.app,
        source: override === undefined ? base.source : "override from the emulator's configuration"
      }
    }

    const windowMs = (w: Window) => Math.max(1, Math.round(w.windowSeconds * 1000 * scale))

    /** Returns the bucket's state after (maybe) counting; `count` is only incremented when under the limit. */
    const take = (key: string, w: Window, now: number) => {
      const ms = windowMs(w)
      let bucket = buckets.get(key)
      if (bucket === undefined || now >= bucket.start + ms) {
        bucket = { start: now, count: 0 }
        buckets.set(key, bucket)
      }
      return { bucket, resetAtMs: bucket.start + ms }
    }

    const check = (subject: Subject): Effect.Effect<Decision> =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const limits = limitsFor(subject)
        const endpoint = `${subject.method.toUpperCase()} ${subject.route}`
        const userContext = (subject.authKind === "oauth1-user" || subject.authKind === "oauth2-user") &&
          subject.userId !== undefined
        const appOnly = subject.authKind === "app-only" && subject.appId !== undefined
        type Slot = { kind: "user" | "app" | "app-24h"; window: Window; key: string }
        const slots: Array<Slot> = []
        if (userContext && limits.user !== undefined) {
          slots.push({ kind: "user", window: limits.user, key: `u:${subject.userId}:${endpoint}` })
        }
        if (userContext && subject.appId !== undefined && limits.app !== undefined && limits.app.windowSeconds === h24) {
          slots.push({ kind: "app-24h", window: limits.app, key: `a:${subject.appId}:${endpoint}` })
        }
        if (appOnly && limits.app !== undefined) {
          slots.push({ kind: "app", window: limits.app, key: `a:${subject.appId}:${endpoint}` })
        }
        if (slots.length === 0) return { allowed: true, headers: {} }

        const states = slots.map((slot) => ({ slot, ...take(slot.key, slot.window, now) }))
        const blocked = options.disabled === true
          ? undefined
          : states.find((s) => s.bucket.count >= s.slot.window.limit)
        if (blocked === undefined) for (const s of states) s.bucket.count += 1

        const headers: Record<string, string> = {}
        for (const s of states) {
          const remaining = String(Math.max(0, s.slot.window.limit - s.bucket.count))
          const reset = String(Math.ceil(s.resetAtMs / 1000))
          if (s.slot.kind === "app-24h") {
            headers["x-app-limit-24hour-limit"] = String(s.slot.window.limit)
            headers["x-app-limit-24hour-remaining"] = remaining
            headers["x-app-limit-24hour-reset"] = reset
          } else {
            headers["x-rate-limit-limit"] = String(s.slot.window.limit)
            headers["x-rate-limit-remaining"] = remaining
            headers["x-rate-limit-reset"] = reset
          }
        }
        if (blocked === undefined) return { allowed: true, headers }
        return { allowed: false, headers, resetAtMs: blocked.resetAtMs, exhausted: blocked.slot.kind }
      })

    return { check, reset: Effect.sync(() => buckets.clear()), limitsFor }
  })

/**
 * A Layer providing {@link RateLimits}.
 *
 * @internal
 */
export const layer = (options: Options = {}): Layer.Layer<RateLimits> => Layer.effect(RateLimits, make(options))

/** X's v2 429 body (observed; research §7.3). @internal */
export const v2TooManyRequests = {
  title: "Too Many Requests",
  detail: "Too Many Requests",
  type: "about:blank",
  status: 429
} as const

/** X's v1.1 429 body (code 88; research §7.3, §8.2). @internal */
export const v1TooManyRequests = { errors: [{ code: 88, message: "Rate limit exceeded" }] } as const

/**
 * The 429 response for a refused request on the given surface, with the decision's headers.
 *
 * @internal
 */
export const tooManyRequestsResponse = (api: ApiSurface, decision: Decision): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(JSON.stringify(api === "v1.1" ? v1TooManyRequests : v2TooManyRequests), {
    status: 429,
    contentType: api === "v1.1" ? "application/json; charset=utf-8" : "application/problem+json",
    headers: decision.headers
  })

/**
 * Adds a decision's headers to a response.
 *
 * @internal
 */
export const withHeaders = (decision: Decision) => (response: HttpServerResponse.HttpServerResponse) =>
  HttpServerResponse.setHeaders(response, decision.headers)
