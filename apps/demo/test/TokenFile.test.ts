/**
 * The CLI keeps rotated OAuth 2.0 tokens between runs (`--token-file` / `X_TOKEN_FILE`), against an emulator started
 * by this test (`--base-url`, real HTTP, the CLI as a subprocess so nothing carries over between runs but the file):
 * the first run refreshes an expired access token and stores the new pair (mode 0600, atomically); a second run whose
 * environment still holds the used-up refresh token succeeds with the stored one, where the environment alone fails.
 * No token is ever printed.
 */
import { FileSystem, Path } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Auth, MediaUpload, XClient } from "@xmedia/core"
import { Emulator, Identities } from "@xmedia/emulator"
import { Effect, Layer, Redacted } from "effect"
import { cli, demo, inProcess, type Result } from "./utils/CliHarness.js"

/** An image owned by the dev user (uploaded with the dev token), for `metadata set` to work on. */
const uploadImage = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const fs = yield* FileSystem.FileSystem
  const bytes = yield* fs.readFile(`${demo}assets/image.png`)
  return yield* Effect.gen(function*() {
    const init = yield* MediaUpload.initialize({ media_type: "image/png", total_bytes: bytes.length, media_category: "tweet_image" })
    yield* MediaUpload.append({ id: init.data.id, segment_index: 0, media: bytes })
    yield* MediaUpload.finalize(init.data.id)
    return init.data.id
  }).pipe(
    Effect.provide(
      XClient.layer({ baseUrl: emulator.url, auth: Auth.oauth2User({ accessToken: Redacted.make(Identities.DEV_OAUTH2_TOKEN) }) })
        .pipe(Layer.provide(NodeHttpClient.layer))
    )
  )
}).pipe(Effect.orDie)

/** The token endpoint's statuses, in order. */
const tokenStatuses = Effect.map(
  Effect.flatMap(Emulator.Emulator, (e) => e.requests),
  (entries) => entries.filter((e) => e.operation === "oauth2.token").map((e) => e.status)
)

const readTokenFile = (file: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(file)).pipe(
    Effect.map((text) => JSON.parse(text) as Record<string, string>)
  )

const TestLayer: Layer.Layer<Emulator.Emulator | NodeContext.NodeContext> = Layer.merge(
  Emulator.layer({ port: 0 }),
  NodeContext.layer
)

// Live services: the emulator in this process must run on the real clock (the CLI subprocesses do).
layer(TestLayer, { excludeTestServices: true, timeout: 60_000 })("xmedia CLI: the token file", (it) => {
  it.scoped("the first run stores the rotated tokens; the second uses them where the environment's are used up", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "xmedia-demo-tokens-" })
      yield* emulator.reset
      const tokenDir = path.join(dir, "config")
      const tokenFile = path.join(tokenDir, "tokens.json")
      const image = yield* uploadImage
      // an expired access token with its refresh token: what a user has in the environment after two idle hours
      const pair = yield* emulator.issueTokens({ expiresInSecs: 0 })
      const env = {
        X_ACCESS_TOKEN: pair.accessToken,
        X_REFRESH_TOKEN: pair.refreshToken!,
        X_CLIENT_ID: Identities.DEV_OAUTH2_CLIENT.clientId,
        X_CLIENT_SECRET: Identities.DEV_OAUTH2_CLIENT.clientSecret
      }
      const args = (alt: string) => ["metadata", "set", image, "--alt", alt, "--base-url", emulator.url, "--state-dir", dir]
      const secrets = [pair.accessToken, pair.refreshToken!, Identities.DEV_OAUTH2_CLIENT.clientSecret]
      const noSecrets = (r: Result, more: ReadonlyArray<string> = []) => {
        for (const s of [...secrets, ...more]) {
          assert.notInclude(r.stdout, s)
          assert.notInclude(r.stderr, s)
        }
      }

      // Run 1 (X_TOKEN_FILE): 401, refresh, the call retried; the new pair is written to the file.
      const first = yield* cli(args("first"), { ...env, X_TOKEN_FILE: tokenFile })
      assert.strictEqual(first.code, 0, first.stdout + first.stderr)
      assert.include(first.stdout, `media ${image}: alt text set`)
      assert.include(first.stdout, `(rotated tokens kept in ${tokenFile})`)
      assert.notInclude(first.stderr, "note:")
      assert.notInclude(first.stderr, "warning:")
      assert.deepStrictEqual(yield* tokenStatuses, [200])
      const stored = yield* readTokenFile(tokenFile)
      assert.deepStrictEqual(Object.keys(stored).sort(), ["access_token", "expires_at", "refresh_token", "token_type"])
      assert.notStrictEqual(stored.access_token, pair.accessToken)
      assert.notStrictEqual(stored.refresh_token, pair.refreshToken)
      assert.isAbove(Date.parse(stored.expires_at!), Date.now() + 7_000_000)
      assert.strictEqual((yield* fs.stat(tokenFile)).mode & 0o777, 0o600)
      assert.strictEqual((yield* fs.stat(tokenDir)).mode & 0o777, 0o700)
      assert.deepStrictEqual(yield* fs.readDirectory(tokenDir), ["tokens.json"], "no temporary file left behind")
      noSecrets(first, [stored.access_token!, stored.refresh_token!])

      // Without the token file the environment's tokens are all there is, and X has used that refresh token up.
      const envOnly = yield* cli(args("env only"), env)
      assert.strictEqual(envOnly.code, 1, envOnly.stdout + envOnly.stderr)
      assert.include(envOnly.stderr, "TokenRefreshFailed")
      assert.include(envOnly.stderr, "Value passed for the token was invalid.")
      assert.deepStrictEqual(yield* tokenStatuses, [200, 400])
      noSecrets(envOnly, [stored.access_token!, stored.refresh_token!])

      // Run 2 (--token-file): the stored access token has expired meanwhile, so the stored refresh token is needed.
      assert.isTrue(yield* emulator.expireAccessToken(stored.access_token!))
      const second = yield* cli([...args("second"), "--token-file", tokenFile], env)
      assert.strictEqual(second.code, 0, second.stdout + second.stderr)
      assert.include(second.stdout, `as OAuth 2.0 user token from the token file ${tokenFile}`)
      assert.include(second.stdout, `media ${image}: alt text set`)
      assert.deepStrictEqual(yield* tokenStatuses, [200, 400, 200])
      const rotated = yield* readTokenFile(tokenFile)
      assert.notStrictEqual(rotated.refresh_token, stored.refresh_token)
      assert.strictEqual((yield* fs.stat(tokenFile)).mode & 0o777, 0o600)
      noSecrets(second, [stored.access_token!, stored.refresh_token!, rotated.access_token!, rotated.refresh_token!])
      assert.deepStrictEqual((yield* emulator.media(image))?.metadata?.["alt_text"], { text: "second" })
    }), { timeout: 120_000 })

  it.scoped("a refresh without a token file says the environment's refresh token is used up; a broken token file is bad input that quotes nothing", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "xmedia-demo-tokens-" })
      const image = yield* uploadImage
      const pair = yield* emulator.issueTokens({ expiresInSecs: 0 })
      const env = {
        X_ACCESS_TOKEN: pair.accessToken,
        X_REFRESH_TOKEN: pair.refreshToken!,
        X_CLIENT_ID: Identities.DEV_OAUTH2_CLIENT.clientId,
        X_CLIENT_SECRET: Identities.DEV_OAUTH2_CLIENT.clientSecret
      }
      const args = ["metadata", "set", image, "--alt", "x", "--base-url", emulator.url, "--state-dir", dir, "--plain"]
      const noFile = yield* inProcess(args, env)
      assert.strictEqual(noFile.code, 0, noFile.stderr)
      assert.include(noFile.stderr, "the one in X_REFRESH_TOKEN is now used up; pass --token-file FILE (or set X_TOKEN_FILE)")
      assert.notInclude(noFile.stderr, pair.refreshToken!)

      const broken = path.join(dir, "broken.json")
      yield* fs.writeFileString(broken, `{"access_token": "sekrit-access-123", "refresh_token": `)
      const bad = yield* inProcess([...args, "--token-file", broken], env)
      assert.strictEqual(bad.code, 2, bad.stderr)
      assert.strictEqual(bad.stderr.split("\n").length, 1, bad.stderr)
      assert.include(bad.stderr, `the token file ${broken} is not a token file`)
      assert.notInclude(bad.stderr, "sekrit")
    }), { timeout: 60_000 })
})
