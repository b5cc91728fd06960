/**
 * Authorizers per credential kind (internal).
 *
 * @internal
 */
import type { HttpClient } from "@effect/platform"
import { HttpClientRequest } from "@effect/platform"
import { Clock, Effect, Option, Redacted, Ref, Schema } from "effect"
import type * as Auth from "../Auth.js"
import * as OAuth1 from "../OAuth1.js"
import * as XError from "../XError.js"
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

/** @internal */
export const makeAuthorizer = (
  credentials: Auth.Credentials,
  env: { readonly httpClient: HttpClient.HttpClient; readonly baseUrl: string }
): Effect.Effect<Auth.Authorizer> => {
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

const makeOAuth2 = (
  credentials: Auth.OAuth2User,
  env: { readonly httpClient: HttpClient.HttpClient; readonly baseUrl: string }
): Effect.Effect<Auth.Authorizer> =>
  Effect.gen(function*() {
    const state = yield* Ref.make<TokenState>({
      accessToken: credentials.accessToken,
      refreshToken: credentials.refreshToken,
      expiresAt: credentials.expiresAt?.getTime(),
      generation: 0
    })
    const lock = yield* Effect.makeSemaphore(1)
    const canRefresh = (s: TokenState) => s.refreshToken !== undefined && credentials.clientId !== undefined

    const doRefresh = (current: TokenState): Effect.Effect<TokenState, XError.TokenRefreshFailed> =>
      Effect.gen(function*() {
        const refreshToken = current.refreshToken
        const clientId = credentials.clientId
        if (refreshToken === undefined || clientId === undefined) {
          return yield* new XError.TokenRefreshFailed({
            detail: "no refresh token or client id was given"
          })
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
          request = HttpClientRequest.basicAuth(request, clientId, Redacted.value(credentials.clientSecret))
        }
        const response = yield* env.httpClient.execute(request).pipe(
          Effect.mapError((e) =>
            new XError.TokenRefreshFailed({ detail: `the token endpoint could not be reached (${e.reason})` })
          )
        )
        const text = yield* response.text.pipe(Effect.orElseSucceed(() => ""))
        const json = Option.getOrUndefined(parseJson(text))
        if (response.status < 200 || response.status >= 300) {
          const body = Schema.decodeUnknownOption(OAuthErrorBody)(json)
          const detail = Option.match(body, {
            onNone: () => "the token endpoint refused the refresh token",
            onSome: (b) =>
              [b.error, b.error_description].filter((s) => s !== undefined).join(": ") ||
              "the token endpoint refused the refresh token"
          })
          return yield* new XError.TokenRefreshFailed({ status: response.status, detail })
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
        const next: TokenState = {
          accessToken: Redacted.make(decoded.access_token),
          refreshToken: decoded.refresh_token !== undefined ? Redacted.make(decoded.refresh_token) : refreshToken,
          expiresAt: decoded.expires_in !== undefined ? now + decoded.expires_in * 1000 : undefined,
          generation: current.generation + 1
        }
        yield* Ref.set(state, next)
        return next
      }).pipe(Effect.withSpan("Auth.refresh"))

    // one runtime step when the token is fresh (every request, each upload segment included)
    const fresh: Effect.Effect<TokenState, XError.TokenRefreshFailed> = Effect.withFiberRuntime((fiber) => {
      const now = clockOf(fiber).unsafeCurrentTimeMillis()
      const expiring = (s: TokenState) => s.expiresAt !== undefined && now >= s.expiresAt - refreshSkewMillis
      return Effect.flatMap(Ref.get(state), (current) =>
        !expiring(current) || !canRefresh(current)
          ? Effect.succeed(current)
          : lock.withPermits(1)(
            Effect.flatMap(Ref.get(state), (again) => expiring(again) ? doRefresh(again) : Effect.succeed(again))
          ))
    })

    return {
      kind: "OAuth2User",
      authorize: (request) =>
        Effect.map(fresh, (s) => ({
          request: HttpClientRequest.bearerToken(request, Redacted.value(s.accessToken)),
          generation: s.generation
        })),
      refresh: (generation) =>
        lock.withPermits(1)(
          Effect.flatMap(Ref.get(state), (current) => {
            if (current.generation !== generation) return Effect.succeed(true)
            if (!canRefresh(current)) return Effect.succeed(false)
            return Effect.as(doRefresh(current), true)
          })
        )
    } satisfies Auth.Authorizer
  })

/** Parses JSON without throwing. @internal */
export const parseJson = (text: string): Option.Option<unknown> => {
  if (text.trim() === "") return Option.none()
  try {
    return Option.some(JSON.parse(text) as unknown)
  } catch {
    return Option.none()
  }
}
