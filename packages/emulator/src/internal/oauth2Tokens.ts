/**
 * The OAuth 2.0 user tokens the emulator knows: the configured ones (`Identities.oauth2Tokens`, with their optional
 * refresh token and expiry) and the ones it issued (`POST /2/oauth2/token`, `Emulator.issueTokens`).
 *
 * As X does, a refresh token is usable once: exchanging it uses it up and issues a new access token (valid
 * {@link ACCESS_TOKEN_LIFETIME_SECS} s) and a new refresh token. The access token a refresh replaces keeps working until
 * its own expiry (it is not revoked). Issued tokens live in memory: a reset or a restart forgets them, and restores the
 * configured ones (their refresh tokens usable again, their expiry as configured).
 *
 * @internal
 */
import { Clock, Context, Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import type { Identities } from "../Identities.js"

/** Seconds an issued access token is valid: X's `expires_in` (2 hours). @internal */
export const ACCESS_TOKEN_LIFETIME_SECS = 7200

/** The scope that makes X issue a refresh token. @internal */
export const OFFLINE_ACCESS = "offline.access"

/** Whom a token acts for. @internal */
export interface Grant {
  readonly userId: string
  readonly appId?: string | undefined
  readonly scopes: ReadonlyArray<string>
}

/** A known access token. @internal */
export interface AccessGrant extends Grant {
  /** Epoch ms from which the token is refused; `undefined`: it never expires (configured tokens by default). */
  readonly expiresAt?: number | undefined
}

/** A new token pair, as X's token endpoint answers it. @internal */
export interface TokenResponse {
  readonly token_type: "bearer"
  readonly expires_in: number
  readonly access_token: string
  readonly scope: string
  /** Only with the `offline.access` scope, as X. */
  readonly refresh_token?: string
}

/** The token store. @internal */
export interface OAuth2TokensService {
  /** The access token's grant if it is known and not expired (by `Clock`). */
  readonly access: (accessToken: string) => Effect.Effect<AccessGrant | undefined>
  /** Issues a new pair for `grant`, the access token valid `expiresInSecs` (default 7200; 0: expired at once). */
  readonly issue: (grant: Grant, expiresInSecs?: number) => Effect.Effect<TokenResponse>
  /**
   * Uses up `refreshToken` if it is known, unused and belongs to `appId` (a refresh token of a token configured without
   * an app belongs to any app), returning its grant; `undefined` otherwise (nothing is used up then).
   */
  readonly useRefreshToken: (refreshToken: string, appId: string) => Effect.Effect<Grant | undefined>
  /** Makes a known access token expire now; `false` when it is unknown. */
  readonly expire: (accessToken: string) => Effect.Effect<boolean>
  /** Forgets issued tokens and restores the configured ones. */
  readonly reset: Effect.Effect<void>
}

/** Context tag of the token store. @internal */
export class OAuth2Tokens extends Context.Tag("@xmedia/emulator/OAuth2Tokens")<OAuth2Tokens, OAuth2TokensService>() {}

/**
 * An opaque token shaped like X's (base64url of `<random>:<epoch ms>:1:0:<at|rt>:1`).
 *
 * @internal
 */
const newToken = (kind: "at" | "rt", now: number) =>
  Buffer.from(`${crypto.randomBytes(24).toString("base64url")}:${now}:1:0:${kind}:1`).toString("base64url")

/**
 * Builds the store over `identities`' configured tokens.
 *
 * @internal
 */
export const make = (identities: Identities): Effect.Effect<OAuth2TokensService> =>
  Effect.sync(() => {
    const access = new Map<string, AccessGrant>()
    const refresh = new Map<string, Grant>()
    const seed = () => {
      access.clear()
      refresh.clear()
      for (const t of identities.oauth2Tokens) {
        const grant = { userId: t.userId, appId: t.appId, scopes: t.scopes }
        access.set(t.token, { ...grant, expiresAt: t.expiresAt })
        if (t.refreshToken !== undefined) refresh.set(t.refreshToken, grant)
      }
    }
    seed()

    const issue = (grant: Grant, expiresInSecs = ACCESS_TOKEN_LIFETIME_SECS) =>
      Effect.map(Clock.currentTimeMillis, (now): TokenResponse => {
        const accessToken = newToken("at", now)
        access.set(accessToken, { ...grant, expiresAt: now + expiresInSecs * 1000 })
        const base = {
          token_type: "bearer" as const,
          expires_in: expiresInSecs,
          access_token: accessToken,
          scope: grant.scopes.join(" ")
        }
        if (!grant.scopes.includes(OFFLINE_ACCESS)) return base
        const refreshToken = newToken("rt", now)
        refresh.set(refreshToken, grant)
        return { ...base, refresh_token: refreshToken }
      })

    return {
      access: (token) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const grant = access.get(token)
          return grant === undefined || (grant.expiresAt !== undefined && now >= grant.expiresAt) ? undefined : grant
        }),
      issue,
      useRefreshToken: (token, appId) =>
        Effect.sync(() => {
          const grant = refresh.get(token)
          if (grant === undefined || (grant.appId !== undefined && grant.appId !== appId)) return undefined
          refresh.delete(token)
          return { ...grant, appId }
        }),
      expire: (token) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const grant = access.get(token)
          if (grant === undefined) return false
          access.set(token, { ...grant, expiresAt: now })
          return true
        }),
      reset: Effect.sync(seed)
    } satisfies OAuth2TokensService
  })

/** A layer providing {@link OAuth2Tokens} over `identities`. @internal */
export const layer = (identities: Identities): Layer.Layer<OAuth2Tokens> => Layer.effect(OAuth2Tokens, make(identities))
