/**
 * The HTTP app: one ordered pipeline per request.
 *
 *   route match -> x-emulator header -> journal -> auth -> faults (before handler / after commit)
 *   -> rate limits -> strict validation -> route handler
 *
 * Auth runs before the fault stage so fault rules can target a user; a request refused by auth meets no fault.
 * Faults, rate limits, OAuth 1.0a verification and the strict validator come from emulator-modules' services.
 *
 * @internal
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Clock, Effect, FiberRef, Option } from "effect"
import { authenticate, type OAuth1Check } from "./auth.js"
import { Settings, VERSION } from "./config.js"
import type { ApiSurface } from "./context.js"
import { makeRequestInfo, RequestInfo as RequestInfoTag, update } from "./context.js"
import { currentFault, type FaultEngine, Faults, type FaultSubject } from "./faults.js"
import { middlewareWith as faultsMiddlewareWith, surfaceOf } from "./faultsMiddleware.js"
import { Journal } from "./journal.js"
import { OAuth1Verifier, toV1Response, toV2Response } from "./oauth1Verify.js"
import { OAuth2Tokens } from "./oauth2Tokens.js"
import { type ResponseValidator, strictMiddleware } from "./openapi/validator.js"
import { RateLimits, tooManyRequestsResponse, withHeaders } from "./rateLimits.js"
import * as Body from "./routes/body.js"
import * as Respond from "./routes/respond.js"
import type { Route } from "./routes/router.js"
import { match } from "./routes/router.js"

/** How much of a multipart body the fault stage may read looking for `command` / `media_id` fields. */
const PEEK_BYTES = 64 * 1024

/**
 * Fills in the fault subject of a command-form request from its body fields (`media_id`, `command`), so rules that
 * target a media id or an operation match v1.1 `upload.json` and the deprecated v2 command form as they match the
 * dedicated routes. Only done when a rule could care (one names a media id or an operation); url-encoded forms are
 * read with the handler's own limit (the text is cached for the handler), multipart bodies only up to their first
 * file part (replayed to the handler). The request's journal entry gets the media id too.
 */
const bodyFieldsSubject = (route: Route | undefined, query: URLSearchParams, faults: FaultEngine) =>
(subject: FaultSubject) =>
  Effect.gen(function*() {
    const spec = route?.bodyFields
    if (spec === undefined || (subject.mediaId !== undefined && query.get("command") !== null)) return subject
    const rules = yield* faults.list
    if (!rules.some((r) => r.match.mediaId !== undefined || r.match.operation !== undefined)) return subject
    const request = yield* HttpServerRequest.HttpServerRequest
    const settings = yield* Settings
    const ct = Body.contentTypeOf(request)
    const body: Record<string, string> = ct === "multipart/form-data"
      ? yield* Body.peekMultipartFields(PEEK_BYTES)
      : ct === "application/x-www-form-urlencoded"
      ? yield* Body.readForm(spec.formLimit(settings)).pipe(Effect.orElseSucceed(() => ({})))
      : {}
    const fields = new URLSearchParams({ ...Object.fromEntries(query), ...body })
    const mediaId = fields.get("media_id") ?? undefined
    if (mediaId !== undefined && mediaId !== "") yield* update((i) => ({ ...i, mediaId }))
    return { ...subject, operation: spec.operationFor(fields), mediaId: mediaId === "" ? undefined : mediaId }
  })

const internalErrorFor = (api: ApiSurface) =>
  api === "v1.1" ? Respond.v1Error(500, 131, "Internal error.") : Respond.internalError()

/** The OAuth 1.0a check over the request in context, using the {@link OAuth1Verifier}. @internal */
const oauth1Check = (
  request: HttpServerRequest.HttpServerRequest,
  verifier: Effect.Effect.Success<typeof OAuth1Verifier>,
  maxFormBytes: number
): OAuth1Check =>
(api) =>
  Effect.gen(function*() {
    const formParams = Body.contentTypeOf(request) === "application/x-www-form-urlencoded"
      ? Array.from(new URLSearchParams(yield* Body.readText(maxFormBytes).pipe(Effect.orElseSucceed(() => ""))))
      : []
    const host = request.headers["host"] ?? "127.0.0.1"
    const verified = yield* verifier.verify({
      method: request.method,
      url: `http://${host}${request.url}`,
      authorization: request.headers["authorization"] ?? "",
      formParams
    }).pipe(
      Effect.mapError((failure) => {
        const r = api === "v1.1" ? toV1Response(failure) : toV2Response(failure)
        return new Respond.HttpFailure({
          status: r.status,
          body: r.body,
          contentType: api === "v1.1" ? "application/json; charset=utf-8" : "application/problem+json"
        })
      })
    )
    return { consumerKey: verified.consumerKey, accessToken: verified.token }
  }).pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request))

/**
 * Builds the HTTP app serving `routes`. `validator` (strict mode) replaces responses that break X's spec with 500s.
 *
 * @internal
 */
export const makeApp = (routes: ReadonlyArray<Route>, validator: ResponseValidator | undefined) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const settings = yield* Settings
    const journal = yield* Journal
    const verifier = yield* OAuth1Verifier
    const limiter = yield* RateLimits
    const oauth2 = yield* OAuth2Tokens
    const startedAt = yield* Clock.currentTimeMillis
    const url = new URL(request.url, "http://127.0.0.1")
    const found = match(routes, request.method, url.pathname)
    const route = found.match?.route
    const api = route?.api ?? surfaceOf(url.pathname)
    const pathMedia = route !== undefined && route.path.startsWith("/2/media/upload/:id")
      ? found.match?.params["id"]
      : undefined
    const info = yield* makeRequestInfo({
      operation: route === undefined ? "unknown" : route.operationFor?.(url.searchParams) ?? route.operation,
      route: route?.path ?? url.pathname,
      method: request.method,
      path: url.pathname,
      api,
      authKind: "none",
      mediaId: pathMedia ?? url.searchParams.get("media_id") ?? undefined,
      startedAt
    })

    const pipeline = Effect.gen(function*() {
      if (found.match === undefined) return yield* Respond.routeNotFound()
      const m = found.match
      const auth = yield* authenticate({
        identities: settings.identities,
        oauth2Access: oauth2.access,
        requirement: m.route.auth,
        authorization: request.headers["authorization"],
        api,
        oauth1: Option.some(oauth1Check(request, verifier, settings.maxJsonBytes))
      })
      yield* update((i) => ({ ...i, authKind: auth.kind, userId: auth.userId, appId: auth.appId, scopes: auth.scopes }))
      const handled = m.route.handler({ params: m.params, query: url.searchParams, auth }).pipe(
        Effect.catchTag("HttpFailure", (f) => Effect.succeed(Respond.fromFailure(f)))
      )
      const checked = validator === undefined || api !== "v2" ? handled : strictMiddleware(validator)(handled)
      const limited = api === "admin" ? checked : Effect.gen(function*() {
        const i = yield* info.get
        const decision = yield* limiter.check({
          operation: i.operation,
          method: i.method,
          route: i.route,
          api: i.api,
          authKind: i.authKind,
          userId: i.userId,
          appId: i.appId
        })
        if (!decision.allowed) return tooManyRequestsResponse(api, decision)
        return withHeaders(decision)(yield* checked)
      })
      if (api === "admin") return yield* limited
      const faults = yield* Faults
      return yield* faultsMiddlewareWith(faults, bodyFieldsSubject(m.route, url.searchParams, faults))(limited)
    })

    const response = yield* pipeline.pipe(
      Effect.catchTag("HttpFailure", (f) => Effect.succeed(Respond.fromFailure(f))),
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.failCause(cause)
          : Effect.logError("emulator: unhandled failure", cause).pipe(
            Effect.as(Respond.fromFailure(internalErrorFor(api)))
          )
      ),
      Effect.map((res) => HttpServerResponse.setHeader(res, "x-emulator", `xmedia/${VERSION}`)),
      Effect.provideService(RequestInfoTag, info),
      Effect.onInterrupt(() => recordJournal(0))
    )
    yield* recordJournal(response.status)
    return response

    function recordJournal(status: number) {
      return Effect.gen(function*() {
        const finished = yield* info.get
        const endedAt = yield* Clock.currentTimeMillis
        const applied = yield* FiberRef.get(currentFault)
        yield* journal.record({
          at: startedAt,
          method: finished.method,
          path: finished.path,
          route: finished.route,
          operation: finished.operation,
          api: finished.api,
          authKind: finished.authKind,
          userId: finished.userId,
          mediaId: finished.mediaId,
          status,
          durationMs: endedAt - startedAt,
          fault: finished.fault ?? Option.getOrUndefined(Option.map(applied, (a) => `${a.ruleId}:${a.action.kind}`)),
          bodySha256: finished.bodySha256
        })
      })
    }
  })
