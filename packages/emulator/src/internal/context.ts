/**
 * The per-request context every stage of the emulator's pipeline reads and fills in.
 *
 * The router fills `operation`, `route`, `api` and `mediaId`; auth fills `authKind`, `userId`, `appId`, `scopes`;
 * later stages (rate limits, faults, journal, strict validation) only read it.
 *
 * @internal
 */
import { Context, Effect, Ref } from "effect"

/** How the request authenticated. @internal */
export type AuthKind = "none" | "oauth2-user" | "app-only" | "oauth1-user"

/** Which surface a route belongs to: decides the error body shape (problem+json vs v1.1 `{errors:[{code}]}`). @internal */
export type ApiSurface = "v2" | "v1.1" | "admin" | "unknown"

/** What is known about the request being served. @internal */
export interface RequestInfoData {
  /** Stable operation name, e.g. `media.append`, `posts.create`, `v1.media.upload.init`; `unknown` when no route matched. */
  readonly operation: string
  /** The route template, e.g. `/2/media/upload/:id/append`. */
  readonly route: string
  /** Upper-case HTTP method. */
  readonly method: string
  /** The request path (no query). */
  readonly path: string
  readonly api: ApiSurface
  readonly authKind: AuthKind
  readonly userId?: string | undefined
  readonly appId?: string | undefined
  readonly scopes?: ReadonlyArray<string> | undefined
  /** The media id the request is about, when the route names one (path, query or body). */
  readonly mediaId?: string | undefined
  /** sha256 (hex) of the request body, when a handler streamed it (never the bytes). */
  readonly bodySha256?: string | undefined
  /** The fault applied to this request, if any (set by the faults middleware). */
  readonly fault?: string | undefined
  /** Epoch ms when the request started (from `Clock`). */
  readonly startedAt: number
}

/** The mutable per-request cell holding {@link RequestInfoData}. @internal */
export interface RequestInfoService {
  readonly get: Effect.Effect<RequestInfoData>
  readonly update: (f: (info: RequestInfoData) => RequestInfoData) => Effect.Effect<void>
}

/** Context tag for the current request's {@link RequestInfoService}. @internal */
export class RequestInfo extends Context.Tag("@xmedia/emulator/RequestInfo")<RequestInfo, RequestInfoService>() {}

/** Builds a fresh {@link RequestInfoService}. @internal */
export const makeRequestInfo = (initial: RequestInfoData): Effect.Effect<RequestInfoService> =>
  Effect.map(Ref.make(initial), (ref) => ({
    get: Ref.get(ref),
    update: (f) => Ref.update(ref, f)
  }))

/** Reads the current request info. @internal */
export const current: Effect.Effect<RequestInfoData, never, RequestInfo> = Effect.flatMap(RequestInfo, (r) => r.get)

/** Updates the current request info. @internal */
export const update = (f: (info: RequestInfoData) => RequestInfoData): Effect.Effect<void, never, RequestInfo> =>
  Effect.flatMap(RequestInfo, (r) => r.update(f))

/** Records the media id the request is about (no-op outside a request). @internal */
export const setMediaId = (mediaId: string): Effect.Effect<void> =>
  Effect.serviceOption(RequestInfo).pipe(
    Effect.flatMap((o) => (o._tag === "Some" ? o.value.update((i) => ({ ...i, mediaId })) : Effect.void))
  )
