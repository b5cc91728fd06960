/**
 * Builds the `XClient` for a command from its target: the embedded emulator (started in-process on 127.0.0.1 with
 * the dev identity), an emulator given by `--base-url`, or real X with the environment's credentials.
 *
 * OAuth 2.0 credentials with a refresh token are refreshed by core; X rotates the refresh token each time, so every
 * refresh's tokens go to the token file when there is one (`Credentials.saveTokenFile`). Without one, the first
 * refresh prints a note on stderr: the refresh token given in the environment is used up. No secret is ever printed.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Auth, XClient } from "@xmedia/core"
import { Emulator } from "@xmedia/emulator"
import { NodeTransport } from "@xmedia/node"
import { Console, Context, Effect, Layer, Option, Redacted } from "effect"
import * as Credentials from "./Credentials.js"

/**
 * Where the current command talks to.
 *
 * @since 0.1.0
 */
export interface Info {
  readonly target: Credentials.Target
  /** The API base URL actually used. */
  readonly baseUrl: string
  /** `true` when the API is an xmedia emulator (embedded or `--base-url` without credentials). */
  readonly emulator: boolean
  /** The emulator's web page, when the API is an xmedia emulator. */
  readonly webUrl: string | undefined
}

/**
 * The `Connection` service: where the command's `XClient` points.
 *
 * @since 0.1.0
 */
export class Connection extends Context.Tag("@xmedia/demo/Connection")<Connection, Info>() {}

/**
 * What to do with the tokens of each refresh: write them to the token file (one write at a time, in refresh order),
 * or, without a token file, say once that the environment's refresh token is used up. Never fails the call (core
 * already uses the new tokens): a write that fails is a warning naming the file and the reason, never a token.
 */
const onRefreshFor = (found: Extract<Credentials.Found, { readonly _tag: "OAuth2" }>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const writes = yield* Effect.makeSemaphore(1)
    let warned = false
    return (tokens: Auth.RefreshedTokens): Effect.Effect<void> =>
      Option.match(found.tokenFile, {
        onSome: (file) =>
          writes.withPermits(1)(Credentials.saveTokenFile(file, tokens)).pipe(
            Effect.provideService(FileSystem.FileSystem, fs),
            Effect.provideService(Path.Path, path),
            Effect.catchAll((e) =>
              Console.error(
                `warning: X rotated the OAuth 2.0 tokens but they could not be saved to the token file ${file} ` +
                  `(${e._tag === "SystemError" ? `${e.reason} in ${e.method}` : e._tag}): the refresh token this run ` +
                  `started with is used up, so the next run will need a new authorization`
              )
            )
          ),
        onNone: () =>
          Effect.suspend(() => {
            if (warned) return Effect.void
            warned = true
            return Console.error(
              "note: X rotated the OAuth 2.0 refresh token, so the one in X_REFRESH_TOKEN is now used up; " +
                "pass --token-file FILE (or set X_TOKEN_FILE) to keep the new tokens for the next run"
            )
          })
      })
  })

const authFor = (
  found: Credentials.Found
): Effect.Effect<Auth.Credentials, never, FileSystem.FileSystem | Path.Path> => {
  switch (found._tag) {
    case "DevIdentity":
      return Effect.succeed(Auth.oauth2User({ accessToken: Redacted.make(Credentials.DEV_TOKEN) }))
    case "OAuth2":
      return Effect.map(onRefreshFor(found), (onRefresh) =>
        Auth.oauth2User({
          accessToken: found.accessToken,
          refreshToken: Option.getOrUndefined(found.refreshToken),
          clientId: Option.getOrUndefined(found.clientId),
          clientSecret: Option.getOrUndefined(found.clientSecret),
          expiresAt: Option.getOrUndefined(found.expiresAt),
          onRefresh
        }))
    case "OAuth1":
      return Effect.succeed(Auth.oauth1User({
        consumerKey: found.consumerKey,
        consumerSecret: found.consumerSecret,
        accessToken: found.accessToken,
        accessTokenSecret: found.accessTokenSecret
      }))
  }
}

/**
 * An emulator serves the v1.1 upload routes on its one port; real X keeps core's default upload host. Requests go
 * over xmedia's Node transport (keep-alive node:http, one write per in-memory body).
 */
const clientLayer = (baseUrl: string, auth: Auth.Credentials, sameHostUploads: boolean) =>
  XClient.layer(sameHostUploads ? { baseUrl, uploadBaseUrl: baseUrl, auth } : { baseUrl, auth }).pipe(
    Layer.provide(NodeTransport.layer())
  )

/**
 * The `XClient` and `Connection` for a target. For `Embedded` it starts the emulator (scoped: it stops when the
 * command ends). A target with a token file writes each refresh's tokens there (hence `FileSystem` and `Path`).
 *
 * @since 0.1.0
 */
export const layer = (
  target: Credentials.Target
): Layer.Layer<XClient.XClient | Connection, never, FileSystem.FileSystem | Path.Path> => {
  if (target._tag === "Remote") {
    const isEmulator = target.credentials._tag === "DevIdentity"
    const via = target.via
    return Layer.merge(
      Layer.unwrapEffect(
        Effect.map(authFor(target.credentials), (auth) => clientLayer(target.baseUrl, auth, via === "base-url"))
      ),
      Layer.succeed(Connection, {
        target,
        baseUrl: target.baseUrl,
        emulator: isEmulator,
        webUrl: isEmulator ? `${target.baseUrl}/_emulator/` : undefined
      })
    )
  }
  return Layer.unwrapScoped(
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const url = emulator.url
      return Layer.merge(
        clientLayer(url, Auth.oauth2User({ accessToken: Redacted.make(Credentials.DEV_TOKEN) }), true),
        Layer.succeed(Connection, { target, baseUrl: url, emulator: true, webUrl: `${url}/_emulator/` })
      )
    })
  ).pipe(Layer.provide(Emulator.layer({ port: 0 })))
}
