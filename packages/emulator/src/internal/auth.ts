/**
 * Authentication of a request: OAuth 2.0 user bearer tokens (with scopes; looked up in the token store, so an expired
 * or unknown token is X's 401), app-only bearer tokens, and OAuth 1.0a user context (signature verification is
 * delegated to the injected {@link OAuth1Check}).
 *
 * @internal
 */
import { Effect, Option } from "effect"
import type { Identities } from "../Identities.js"
import type { ApiSurface, AuthKind } from "./context.js"
import type { AccessGrant } from "./oauth2Tokens.js"
import * as Respond from "./routes/respond.js"

/** What a route requires. @internal */
export type AuthRequirement =
  | { readonly _tag: "none" }
  /** A user context (OAuth 2.0 user token with `scopes`, or OAuth 1.0a); app-only allowed only when `allowApp`. */
  | { readonly _tag: "user"; readonly scopes: ReadonlyArray<string>; readonly allowApp?: boolean; readonly oauth2?: boolean }

/** Who the request is. @internal */
export interface AuthResult {
  readonly kind: AuthKind
  readonly userId?: string | undefined
  readonly appId?: string | undefined
  readonly scopes?: ReadonlyArray<string> | undefined
}

/** The OAuth 1.0a check the server wires in: returns the consumer key and access token, or a failure body. @internal */
export type OAuth1Check = (
  api: ApiSurface
) => Effect.Effect<{ readonly consumerKey: string; readonly accessToken: string }, Respond.HttpFailure>

const v1AuthFailed = () => Respond.v1Error(401, 32, "Could not authenticate you.")

/**
 * Authenticates the request described by `authorization` against `identities` (apps, OAuth 1.0a tokens) and
 * `oauth2Access` (the OAuth 2.0 user token store: a live token's grant, `undefined` when unknown or expired).
 *
 * @internal
 */
export const authenticate = (options: {
  readonly identities: Identities
  readonly oauth2Access: (accessToken: string) => Effect.Effect<AccessGrant | undefined>
  readonly requirement: AuthRequirement
  readonly authorization: string | undefined
  readonly api: ApiSurface
  readonly oauth1: Option.Option<OAuth1Check>
}): Effect.Effect<AuthResult, Respond.HttpFailure> =>
  Effect.gen(function*() {
    const { api, authorization, identities, requirement } = options
    if (requirement._tag === "none") return { kind: "none" as const }
    const unauthorized = api === "v1.1" ? v1AuthFailed() : Respond.unauthorized()
    if (authorization === undefined || authorization.trim() === "") return yield* (unauthorized)
    const [scheme = "", ...rest] = authorization.trim().split(/\s+/)
    const credential = rest.join(" ")
    if (scheme.toLowerCase() === "bearer") {
      const token = credential
      const user = yield* options.oauth2Access(token)
      if (user !== undefined) {
        if (api === "v1.1" || requirement.oauth2 === false) {
          return yield* (Respond.v1Error(403, 220, "Your credentials do not allow access to this resource."))
        }
        const missing = requirement.scopes.filter((s) => !user.scopes.includes(s))
        if (missing.length > 0) return yield* (Respond.forbidden())
        return { kind: "oauth2-user" as const, userId: user.userId, appId: user.appId, scopes: user.scopes }
      }
      const app = identities.apps.find((a) => a.bearerToken !== undefined && a.bearerToken === token)
      if (app !== undefined) {
        if (requirement.allowApp === true && api !== "v1.1") return { kind: "app-only" as const, appId: app.id }
        return yield* (
          api === "v1.1"
            ? Respond.v1Error(403, 220, "Your credentials do not allow access to this resource.")
            : Respond.unsupportedAuthentication()
        )
      }
      return yield* (unauthorized)
    }
    if (scheme.toLowerCase() === "oauth") {
      if (Option.isNone(options.oauth1)) return yield* (unauthorized)
      const verified = yield* options.oauth1.value(api)
      const app = identities.apps.find((a) => a.consumerKey === verified.consumerKey)
      const token = identities.oauth1Tokens.find((t) => t.accessToken === verified.accessToken)
      if (app === undefined || token === undefined) return yield* (unauthorized)
      return { kind: "oauth1-user" as const, userId: token.userId, appId: app.id }
    }
    return yield* (unauthorized)
  })
