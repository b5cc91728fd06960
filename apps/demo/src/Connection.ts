/**
 * Builds the `XClient` for a command from its target: the embedded emulator (started in-process on 127.0.0.1 with
 * the dev identity), an emulator given by `--base-url`, or real X with the environment's credentials.
 *
 * @since 0.1.0
 */
import { Auth, XClient } from "@xmedia/core"
import { Emulator } from "@xmedia/emulator"
import { NodeTransport } from "@xmedia/node"
import { Context, Effect, Layer, Option, Redacted } from "effect"
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

const authFor = (found: Credentials.Found): Auth.Credentials => {
  switch (found._tag) {
    case "DevIdentity":
      return Auth.oauth2User({ accessToken: Redacted.make(Credentials.DEV_TOKEN) })
    case "OAuth2":
      return Auth.oauth2User({
        accessToken: found.accessToken,
        refreshToken: Option.getOrUndefined(found.refreshToken),
        clientId: Option.getOrUndefined(found.clientId),
        clientSecret: Option.getOrUndefined(found.clientSecret)
      })
    case "OAuth1":
      return Auth.oauth1User({
        consumerKey: found.consumerKey,
        consumerSecret: found.consumerSecret,
        accessToken: found.accessToken,
        accessTokenSecret: found.accessTokenSecret
      })
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
 * command ends).
 *
 * @since 0.1.0
 */
export const layer = (
  target: Credentials.Target
): Layer.Layer<XClient.XClient | Connection> => {
  if (target._tag === "Remote") {
    const isEmulator = target.credentials._tag === "DevIdentity"
    return Layer.merge(
      clientLayer(target.baseUrl, authFor(target.credentials), target.via === "base-url"),
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
        clientLayer(url, authFor({ _tag: "DevIdentity" }), true),
        Layer.succeed(Connection, { target, baseUrl: url, emulator: true, webUrl: `${url}/_emulator/` })
      )
    })
  ).pipe(Layer.provide(Emulator.layer({ port: 0 })))
}
