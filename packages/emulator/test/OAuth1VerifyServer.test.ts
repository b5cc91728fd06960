/**
 * OAuth 1.0a against the running emulator, signed by an independent implementation: python3-oauthlib (the signer
 * tweepy uses), as a production client would sign for X's public hosts or for the URL it calls.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { execFileSync } from "node:child_process"
import * as Http from "node:http"
import { Emulator, Identities } from "../src/index.js"

interface SignCase {
  readonly method: string
  /** The URL the client signs for. */
  readonly signedUrl: string
  readonly body?: string
  readonly contentType?: string
  /** Overrides oauth_timestamp (seconds). */
  readonly timestamp?: string
}

const SIGNER = `
import json, sys
from oauthlib.oauth1 import Client
creds, cases = json.load(sys.stdin)
out = []
for c in cases:
    client = Client(creds["consumerKey"], client_secret=creds["consumerSecret"],
                    resource_owner_key=creds["accessToken"], resource_owner_secret=creds["accessTokenSecret"],
                    timestamp=c.get("timestamp"))
    headers = {"Content-Type": c["contentType"]} if c.get("contentType") else {}
    body = c.get("body")
    if c.get("contentType") == "application/json":
        _, signed, _ = client.sign(c["signedUrl"], http_method=c["method"], headers=headers)
    else:
        _, signed, _ = client.sign(c["signedUrl"], http_method=c["method"], body=body, headers=headers)
    out.append(signed["Authorization"])
print(json.dumps(out))
`

/** Signs the cases with oauthlib under the dev identity. */
const sign = (cases: ReadonlyArray<SignCase>): Effect.Effect<ReadonlyArray<string>> =>
  Effect.sync(() =>
    JSON.parse(
      execFileSync("/usr/bin/python3", ["-c", SIGNER], { input: JSON.stringify([Identities.DEV_OAUTH1, cases]) }).toString()
    ) as ReadonlyArray<string>
  )

const send = (port: number, method: string, path: string, authorization: string, body?: string, contentType?: string) =>
  Effect.async<{ status: number; body: string }>((resume) => {
    const req = Http.request({ host: "127.0.0.1", port, method, path, agent: false, headers: { authorization } }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (c: string) => (text += c))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body: text })))
    })
    req.on("error", (e) => resume(Effect.die(e)))
    if (contentType !== undefined) req.setHeader("content-type", contentType)
    req.end(body)
    return Effect.sync(() => req.destroy())
  })

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.immediate, strict: true }), NodeHttpClient.layer)

layer(TestLayer, { excludeTestServices: true })("OAuth 1.0a over HTTP, signed by python3-oauthlib", (it) => {
  it.effect("verifies signatures made for X's public hosts and for the emulator's own URL; refuses replays and tampering", () =>
    Effect.gen(function*() {
      const { port } = yield* Emulator.Emulator
      const own = `http://127.0.0.1:${port}`
      const initBody = JSON.stringify({ media_type: "image/png", total_bytes: 10 })
      const [publicHost, ownUrl, json, other] = yield* sign([
        { method: "GET", signedUrl: "https://api.x.com/2/users/me" },
        { method: "GET", signedUrl: `${own}/2/users/me?user.fields=id` },
        { method: "POST", signedUrl: "https://upload.twitter.com/2/media/upload/initialize", body: initBody, contentType: "application/json" },
        { method: "GET", signedUrl: "https://api.twitter.com/2/users/me" }
      ])

      const me = yield* send(port, "GET", "/2/users/me", publicHost!)
      assert.strictEqual(me.status, 200, me.body)
      assert.strictEqual(JSON.parse(me.body).data.id, "1000000000000000001")
      assert.strictEqual((yield* send(port, "GET", "/2/users/me?user.fields=id", ownUrl!)).status, 200)
      const init = yield* send(port, "POST", "/2/media/upload/initialize", json!, initBody, "application/json")
      assert.strictEqual(init.status, 200, init.body)

      // The same header again: nonce replay.
      const replay = yield* send(port, "GET", "/2/users/me", publicHost!)
      assert.strictEqual(replay.status, 401)
      assert.deepStrictEqual(JSON.parse(replay.body), { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" })
      // Signed for one path, sent to another.
      const moved = yield* send(port, "GET", "/2/users/me?user.fields=created_at", other!)
      assert.strictEqual(moved.status, 401)
    }))

  it.effect("includes url-encoded form parameters in the base string", () =>
    Effect.gen(function*() {
      const { port } = yield* Emulator.Emulator
      const form = "media_type=image%2Fpng&total_bytes=10&command=INIT"
      const [good, bad] = yield* sign([
        { method: "POST", signedUrl: "https://upload.twitter.com/2/media/upload", body: form, contentType: "application/x-www-form-urlencoded" },
        { method: "POST", signedUrl: "https://upload.twitter.com/2/media/upload", body: "media_type=image%2Fpng&total_bytes=11&command=INIT", contentType: "application/x-www-form-urlencoded" }
      ])
      const ok = yield* send(port, "POST", "/2/media/upload", good!, form, "application/x-www-form-urlencoded")
      assert.notStrictEqual(ok.status, 401, ok.body)
      assert.isBelow(ok.status, 300, ok.body)
      const tampered = yield* send(port, "POST", "/2/media/upload", bad!, form, "application/x-www-form-urlencoded")
      assert.strictEqual(tampered.status, 401)
    }))

  it.effect("v1.1: a signed form post verifies; bad signatures and stale timestamps get X's codes 32 and 135", () =>
    Effect.gen(function*() {
      const { port } = yield* Emulator.Emulator
      const form = "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21"
      const stale = String(Math.floor(Date.now() / 1000) - 3600)
      const [good, forged, old] = yield* sign([
        { method: "POST", signedUrl: "https://api.twitter.com/1.1/statuses/update.json", body: form, contentType: "application/x-www-form-urlencoded" },
        { method: "POST", signedUrl: "https://api.twitter.com/1.1/statuses/update.json", body: "status=forged", contentType: "application/x-www-form-urlencoded" },
        { method: "POST", signedUrl: "https://api.twitter.com/1.1/statuses/update.json", body: form, contentType: "application/x-www-form-urlencoded", timestamp: stale }
      ])
      const posted = yield* send(port, "POST", "/1.1/statuses/update.json", good!, form, "application/x-www-form-urlencoded")
      assert.isBelow(posted.status, 300, posted.body)
      assert.strictEqual(JSON.parse(posted.body).text, "Hello Ladies + Gentlemen, a signed OAuth request!")
      const bad = yield* send(port, "POST", "/1.1/statuses/update.json", forged!, form, "application/x-www-form-urlencoded")
      assert.strictEqual(bad.status, 401)
      assert.deepStrictEqual(JSON.parse(bad.body), { errors: [{ code: 32, message: "Could not authenticate you." }] })
      const late = yield* send(port, "POST", "/1.1/statuses/update.json", old!, form, "application/x-www-form-urlencoded")
      assert.strictEqual(late.status, 401)
      assert.deepStrictEqual(JSON.parse(late.body), { errors: [{ code: 135, message: "Timestamp out of bounds." }] })
    }))
})
