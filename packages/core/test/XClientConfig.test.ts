import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import * as XClient from "../src/XClient.js"

const configLayer = (env: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("XClient.config with a partial OAuth 1.0a set", () => {
  const cases: ReadonlyArray<readonly [Record<string, string>, ReadonlyArray<string>]> = [
    [{ X_CONSUMER_KEY: "ck", X_ACCESS_TOKEN: "at" }, ["X_CONSUMER_SECRET", "X_ACCESS_TOKEN_SECRET"]],
    [{ X_CONSUMER_KEY: "ck", X_CONSUMER_SECRET: "cs", X_ACCESS_TOKEN: "at" }, ["X_ACCESS_TOKEN_SECRET"]],
    [{ X_ACCESS_TOKEN_SECRET: "ats" }, ["X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN"]],
    [{ X_CONSUMER_SECRET: "cs", X_ACCESS_TOKEN_SECRET: "ats", X_BEARER_TOKEN: "b" }, ["X_CONSUMER_KEY", "X_ACCESS_TOKEN"]]
  ]
  for (const [env, missing] of cases) {
    it.effect(`${Object.keys(env).join(" + ")} is a ConfigError naming ${missing.join(", ")}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(XClient.config)
        assert.strictEqual(error._op, "MissingData")
        const text = String(error)
        assert.include(text, `missing: ${missing.join(", ")}.`)
        for (const value of Object.values(env)) assert.notInclude(text, `"${value}"`)
      }).pipe(Effect.provide(configLayer(env))))
  }

  it.effect("all four still select OAuth 1.0a, and X_ACCESS_TOKEN alone still selects OAuth 2.0", () =>
    Effect.gen(function*() {
      const four = yield* XClient.config.pipe(
        Effect.provide(configLayer({ X_CONSUMER_KEY: "ck", X_CONSUMER_SECRET: "cs", X_ACCESS_TOKEN: "at", X_ACCESS_TOKEN_SECRET: "ats" }))
      )
      assert.strictEqual(four.auth._tag, "OAuth1User")
      const oauth2 = yield* XClient.config.pipe(Effect.provide(configLayer({ X_ACCESS_TOKEN: "at" })))
      assert.strictEqual(oauth2.auth._tag, "OAuth2User")
    }))
})
