/**
 * Authorizers per credential kind (internal).
 *
 * @internal
 */
import type { HttpClient } from "@effect/platform"
import { HttpClientRequest } from "@effect/platform"
import { Clock, type Duration, Effect, Fiber, Option, Redacted, Ref, Schema } from "effect"
import type * as Auth from "../Auth.js"
import * as OAuth1 from "../OAuth1.js"
import * as XError from "../XError.js"
import * as Errors from "./errors.js"
import { parseJson } from "./text.js"
import { clockOf } from "./fiberClock.js"

/** Refresh this long before `expiresAt`. @internal */
export const refreshSkewMillis = 60_000

interface TokenState {
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string> | undefined
  readonly expiresAt: number | undefined
  readonly generation: number
}

const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.optional(Schema.String),
  expires_in: Schema.optional(Schema.Number),
  refresh_token: Schema.optional(Schema.String),
  scope: Schema.optional(Schema.String)
})

const OAuthErrorBody = Schema.Struct({
  error: Schema.optional(Schema.String),
  error_description: Schema.optional(Schema.String)
})

/** What an authorizer needs from its client. @internal */
export interface AuthorizerEnv {
  readonly httpClient: HttpClient.HttpClient
  readonly baseUrl: string
  /** A token refresh must end within this (the client's `requestTimeout`). */
  readonly requestTimeout: Duration.DurationInput
}

/** @internal */
export const makeAuthorizer = (credentials: Auth.Credentials, env: AuthorizerEnv): Effect.Effect<Auth.Authorizer> => {
  switch (credentials._tag) {
    case "AppOnly":
      return Effect.succeed<Auth.Authorizer>({
        kind: "AppOnly",
        authorize: (request, context) =>
          context.userContext
            ? Effect.fail(new XError.AppOnlyNotAllowed({ endpoint: context.endpoint }))
            : Effect.succeed({
              request: HttpClientRequest.bearerToken(request, Redacted.value(credentials.bearerToken)),
              generation: 0
            }),
        refresh: () => Effect.succeed(false)
      })
    case "OAuth2User":
      return makeOAuth2(credentials, env)
    case "OAuth1User":
      return Effect.succeed(OAuth1.makeAuthorizer(credentials))
  }
}

const ENDPOINT = "Auth.refresh"

/** `application/x-www-form-urlencoded` encoding of one value. */
const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2)

/**
 * One `POST /2/oauth2/token` exchange: the new state, or why not. A token endpoint that cannot be reached, times out
 * or has a server error is `Transport` / `ServerError` (transient: the refresh token is still good, a retry may
 * work); a refusal (400, 401: a used or revoked refresh token) is `TokenRefreshFailed` (re-authorize).
 */
const exchangeToken = (
  credentials: Auth.OAuth2User,
  env: AuthorizerEnv,
  current: TokenState
): Effect.Effect<TokenState, Auth.RefreshError> =>
  Effect.gen(function*() {
    const refreshToken = current.refreshToken
    const clientId = credentials.clientId
    if (refreshToken === undefined || clientId === undefined) {
      return yield* new XError.TokenRefreshFailed({ detail: "no refresh token or client id was given" })
    }
    let request = HttpClientRequest.post(`${env.baseUrl}/2/oauth2/token`).pipe(
      HttpClientRequest.acceptJson,
      HttpClientRequest.bodyUrlParams({
        grant_type: "refresh_token",
        refresh_token: Redacted.value(refreshToken),
        client_id: clientId
      })
    )
    if (credentials.clientSecret !== undefined) {
      // RFC 6749 §2.3.1: each part form-encoded before Basic's base64 (a secret with `+` or `%` stays itself)
      request = HttpClientRequest.basicAuth(
        request,
        formEncode(clientId),
        formEncode(Redacted.value(credentials.clientSecret))
      )
    }
    const response = yield* env.httpClient.execute(request).pipe(
      Effect.mapError((e) => Errors.fromRequestError(ENDPOINT, e))
    )
    const text = yield* response.text.pipe(Effect.orElseSucceed(() => ""))
    const json = Option.getOrUndefined(parseJson(text))
    if (response.status < 200 || response.status >= 300) {
      const body = Schema.decodeUnknownOption(OAuthErrorBody)(json)
      const described = Option.match(body, {
        onNone: () => undefined,
        onSome: (b) => [b.error, b.error_description].filter((s) => s !== undefined).join(": ") || undefined
      })
      if (response.status >= 500) {
        return yield* new XError.ServerError({
          endpoint: ENDPOINT,
          status: response.status,
          ...(described === undefined ? {} : { detail: described })
        })
      }
      return yield* new XError.TokenRefreshFailed({
        status: response.status,
        detail: described ?? "the token endpoint refused the refresh token"
      })
    }
    const decoded = yield* Schema.decodeUnknown(TokenResponse)(json).pipe(
      Effect.mapError(() =>
        new XError.TokenRefreshFailed({
          status: response.status,
          detail: "the token endpoint answered without an access_token"
        })
      )
    )
    const now = yield* Clock.currentTimeMillis
    return {
      accessToken: Redacted.make(decoded.access_token),
      refreshToken: decoded.refresh_token !== undefined ? Redacted.make(decoded.refresh_token) : refreshToken,
      expiresAt: decoded.expires_in !== undefined ? now + decoded.expires_in * 1000 : undefined,
      generation: current.generation + 1
    } satisfies TokenState
  }).pipe(
    Effect.timeoutFail({
      duration: env.requestTimeout,
      onTimeout: () =>
        new XError.Transport({
          endpoint: ENDPOINT,
          reason: "Timeout",
          sent: true,
          description: "the token endpoint did not answer within the request timeout"
        })
    })
  )

const makeOAuth2 = (credentials: Auth.OAuth2User, env: AuthorizerEnv): Effect.Effect<Auth.Authorizer> =>
  Effect.gen(function*() {
    const state = yield* Ref.make<TokenState>({
      accessToken: credentials.accessToken,
      refreshToken: credentials.refreshToken,
      expiresAt: credentials.expiresAt?.getTime(),
      generation: 0
    })
    const lock = yield* Effect.makeSemaphore(1)
    const canRefresh = (s: TokenState) => s.refreshToken !== undefined && credentials.clientId !== undefined
    /** The refresh in flight, for the generation it replaces. */
    let running:
      | { readonly generation: number; readonly fiber: Fiber.RuntimeFiber<TokenState, Auth.RefreshError> }
      | undefined

    /**
     * The refresh of `generation`'s token: the one in flight if there is one (its success or its failure is every
     * caller's), else a new one. It runs in a fiber of its own: a caller that is interrupted (a timeout, a failing
     * sibling segment) stops waiting, but the exchange still ends and its new tokens are kept, since X has already
     * used up the old refresh token once it answered.
     */
    const refreshed = (generation: number): Effect.Effect<TokenState, Auth.RefreshError> =>
      // uninterruptible from the check to `running` being set: an exchange started is always found by the next caller
      Effect.flatMap(lock.withPermits(1)(Effect.uninterruptible(Effect.gen(function*() {
        const current = yield* Ref.get(state)
        if (current.generation !== generation) return Fiber.succeed(current)
        if (running !== undefined && running.generation === generation) return running.fiber
        // interruptible inside (a fiber forked here would inherit the region's uninterruptibility): its own timeout
        // must be able to cut a token endpoint that never answers
        const fiber = yield* Effect.forkDaemon(Effect.interruptible(
          exchangeToken(credentials, env, current).pipe(
            Effect.tap((next) =>
              Effect.zipRight(
                Ref.set(state, next),
                credentials.onRefresh === undefined ? Effect.void : credentials.onRefresh({
                  accessToken: next.accessToken,
                  refreshToken: next.refreshToken,
                  expiresAt: next.expiresAt === undefined ? undefined : new Date(next.expiresAt)
                }).pipe(
                  // the tokens are in use already: a listener that fails is logged, not the call's failure
                  Effect.catchAllCause((cause) => Effect.logWarning("Auth: onRefresh failed", cause))
                )
              )
            ),
            Effect.withSpan(ENDPOINT),
            Effect.ensuring(Effect.sync(() => {
              if (running?.generation === generation) running = undefined
            }))
          )
        ))
        running = { generation, fiber }
        return fiber
      }))), Fiber.join)

    // one runtime step when the token is fresh (every request, each upload segment included)
    const fresh: Effect.Effect<TokenState, Auth.RefreshError> = Effect.withFiberRuntime((fiber) => {
      const now = clockOf(fiber).unsafeCurrentTimeMillis()
      const expiring = (s: TokenState) => s.expiresAt !== undefined && now >= s.expiresAt - refreshSkewMillis
      return Effect.flatMap(Ref.get(state), (current) =>
        !expiring(current) || !canRefresh(current) ? Effect.succeed(current) : refreshed(current.generation))
    })

    return {
      kind: "OAuth2User",
      authorize: (request) =>
        Effect.map(fresh, (s) => ({
          request: HttpClientRequest.bearerToken(request, Redacted.value(s.accessToken)),
          generation: s.generation
        })),
      refresh: (generation) =>
        Effect.flatMap(Ref.get(state), (current) => {
          if (current.generation !== generation) return Effect.succeed(true)
          if (!canRefresh(current)) return Effect.succeed(false)
          return Effect.as(refreshed(generation), true)
        })
    } satisfies Auth.Authorizer
  })
