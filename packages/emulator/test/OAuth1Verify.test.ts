import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import * as OAuth1 from "../src/internal/oauth1Verify.js"

// RFC 5849 §1.2 (photos.example.net) and X's "Creating a signature" page (POST /1.1/statuses/update.json).
const rfc = {
  consumerKey: "dpf43f3p2l4k3l03",
  consumerSecret: "kd94hf93k423kf44",
  token: "nnch734d00sl2jdk",
  tokenSecret: "pfkkdhi9sl3r4s00"
}
const x = {
  consumerKey: "xvz1evFS4wEEPTGEFPHBog",
  consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
  token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
  tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
}

const keyring: OAuth1.Keyring = {
  consumerSecret: (key) =>
    key === rfc.consumerKey
      ? Option.some(rfc.consumerSecret)
      : key === x.consumerKey
      ? Option.some(x.consumerSecret)
      : Option.none(),
  token: (token) =>
    token === rfc.token
      ? Option.some({ secret: rfc.tokenSecret, userId: "1" })
      : token === x.token
      ? Option.some({ secret: x.tokenSecret, userId: "370773112", consumerKey: x.consumerKey })
      : Option.none()
}

const xHeader = (overrides: Record<string, string> = {}) => {
  const params: Record<string, string> = {
    oauth_consumer_key: x.consumerKey,
    oauth_nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
    oauth_signature: "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
    oauth_signature_method: "HMAC-SHA1",
    oauth_timestamp: "1318622958",
    oauth_token: x.token,
    oauth_version: "1.0",
    ...overrides
  }
  return "OAuth " + Object.entries(params).map(([k, v]) => `${k}="${OAuth1.percentEncode(v)}"`).join(", ")
}
const xBody = "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"
const xRequest = (url: string, authorization = xHeader()): OAuth1.SignedRequest => ({
  method: "POST",
  url,
  authorization,
  formParams: OAuth1.parseFormBody(xBody)
})

/** Signs a request the way a client would, for the tests that need a fresh signature. */
const sign = (method: string, url: string, timestamp: number, nonce: string, form: ReadonlyArray<readonly [string, string]> = []) => {
  const oauth: Array<readonly [string, string]> = [
    ["oauth_consumer_key", x.consumerKey],
    ["oauth_nonce", nonce],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", String(timestamp)],
    ["oauth_token", x.token],
    ["oauth_version", "1.0"]
  ]
  const u = new URL(url)
  const base = OAuth1.signatureBaseString(method, OAuth1.baseStringUri(u), OAuth1.signatureParams(oauth, u, form))
  const signature = OAuth1.hmacSha1(base, x.consumerSecret, x.tokenSecret)
  return "OAuth " + [...oauth, ["oauth_signature", signature] as const].map(([k, v]) => `${k}="${OAuth1.percentEncode(v)}"`)
    .join(", ")
}

describe("oauth1Verify", () => {
  it("builds RFC 5849 §3.4.1.1's signature base string exactly", () => {
    const header = Option.getOrThrow(OAuth1.parseAuthorizationHeader(
      `OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", ` +
        `oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", ` +
        `oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"`
    ))
    const url = new URL("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b")
    const base = OAuth1.signatureBaseString(
      "POST",
      OAuth1.baseStringUri(url),
      OAuth1.signatureParams(header, url, OAuth1.parseFormBody("c2&a3=2+q"))
    )
    assert.strictEqual(
      base,
      "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D" +
        "%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1" +
        "%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
    )
  })

  it("normalizes the base string URI (RFC 5849 §3.4.1.2)", () => {
    assert.strictEqual(OAuth1.baseStringUri(new URL("HTTP://EXAMPLE.COM:80/r%20v/X?id=123")), "http://example.com/r%20v/X")
    assert.strictEqual(OAuth1.baseStringUri(new URL("https://www.example.net:8080/?q=1")), "https://www.example.net:8080/")
  })

  it.effect("verifies RFC 5849 §1.2's signed GET request", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(137131202_000)
      const verifier = yield* OAuth1.make({ keyring })
      const result = yield* verifier.verify({
        method: "GET",
        url: "http://photos.example.net/photos?file=vacation.jpg&size=original",
        authorization: `OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", ` +
          `oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", ` +
          `oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"`
      })
      assert.deepStrictEqual(result, {
        consumerKey: rfc.consumerKey,
        token: rfc.token,
        userId: "1",
        baseUri: "http://photos.example.net/photos"
      })
    }))

  it("reproduces X's documented signature hCtSmYh+iHYCEqBWrE7C7hYmtUk=", () => {
    const url = new URL("https://api.twitter.com/1.1/statuses/update.json?include_entities=true")
    const header = Option.getOrThrow(OAuth1.parseAuthorizationHeader(xHeader()))
    const base = OAuth1.signatureBaseString("POST", OAuth1.baseStringUri(url), OAuth1.signatureParams(header, url, OAuth1.parseFormBody(xBody)))
    assert.strictEqual(
      base,
      "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
    )
    assert.strictEqual(OAuth1.hmacSha1(base, x.consumerSecret, x.tokenSecret), "hCtSmYh+iHYCEqBWrE7C7hYmtUk=")
  })

  it.effect("accepts X's example when the client signed for a public host but was redirected to loopback", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1318622958_000 + 30_000)
      const verifier = yield* OAuth1.make({ keyring })
      const result = yield* verifier.verify(xRequest("http://127.0.0.1:4010/1.1/statuses/update.json?include_entities=true"))
      assert.strictEqual(result.userId, "370773112")
      assert.strictEqual(result.baseUri, "https://api.twitter.com/1.1/statuses/update.json")
    }))

  it.effect("accepts a signature over the request's own URL and each public host, http or https", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_000)
      const verifier = yield* OAuth1.make({ keyring })
      const own = "http://127.0.0.1:4010/2/media/upload/initialize"
      const signedFor = [own, "https://upload.x.com/2/media/upload/initialize", "http://api.x.com/2/media/upload/initialize"]
      for (const [i, target] of signedFor.entries()) {
        const result = yield* verifier.verify({ method: "POST", url: own, authorization: sign("POST", target, 1_700_000_000, `n${i}`) })
        assert.strictEqual(result.baseUri, OAuth1.baseStringUri(new URL(target)))
      }
      // A host that is neither the request's own nor one of X's is refused.
      const evil = yield* Effect.flip(
        verifier.verify({ method: "POST", url: own, authorization: sign("POST", "https://evil.example/2/media/upload/initialize", 1_700_000_000, "n9") })
      )
      assert.strictEqual(evil.reason, "BadSignature")
    }))

  it.effect("excludes multipart and JSON bodies but includes form bodies", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_000)
      const verifier = yield* OAuth1.make({ keyring })
      const url = "http://127.0.0.1:4010/1.1/media/upload.json"
      // Signed with only oauth_* params (multipart): verifies when the caller passes no form params.
      yield* verifier.verify({ method: "POST", url, authorization: sign("POST", url, 1_700_000_000, "a") })
      // Signed over form params: verifies with them, fails without them.
      const form = [["command", "INIT"], ["total_bytes", "10"], ["media_type", "image/png"]] as const
      yield* verifier.verify({ method: "POST", url, authorization: sign("POST", url, 1_700_000_000, "b", form), formParams: form })
      const missing = yield* Effect.flip(verifier.verify({ method: "POST", url, authorization: sign("POST", url, 1_700_000_000, "c", form) }))
      assert.strictEqual(missing.reason, "BadSignature")
    }))

  it.effect("refuses a tampered body, an unknown consumer, an unknown token and a wrong method", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1318622958_000)
      const verifier = yield* OAuth1.make({ keyring })
      const url = "https://api.twitter.com/1.1/statuses/update.json?include_entities=true"
      const tampered = yield* Effect.flip(verifier.verify({ ...xRequest(url), formParams: [["status", "Hello"]] }))
      assert.strictEqual(tampered.reason, "BadSignature")
      assert.notInclude(tampered.message, "hCtSmYh")
      const consumer = yield* Effect.flip(verifier.verify(xRequest(url, xHeader({ oauth_consumer_key: "nope" }))))
      assert.strictEqual(consumer.reason, "UnknownConsumer")
      const token = yield* Effect.flip(verifier.verify(xRequest(url, xHeader({ oauth_token: "nope" }))))
      assert.strictEqual(token.reason, "UnknownToken")
      const plaintext = yield* Effect.flip(verifier.verify(xRequest(url, xHeader({ oauth_signature_method: "PLAINTEXT" }))))
      assert.strictEqual(plaintext.reason, "UnsupportedSignatureMethod")
      const bearer = yield* Effect.flip(verifier.verify(xRequest(url, "Bearer abc")))
      assert.strictEqual(bearer.reason, "NotOAuth")
      const noNonce = yield* Effect.flip(verifier.verify(xRequest(url, xHeader().replace(/oauth_nonce="[^"]*", /, ""))))
      assert.strictEqual(noNonce.reason, "MissingParameter")
    }))

  it.effect("enforces the timestamp window on the server clock", () =>
    Effect.gen(function*() {
      const verifier = yield* OAuth1.make({ keyring, windowSeconds: 300 })
      const url = "https://api.twitter.com/1.1/statuses/update.json?include_entities=true"
      yield* TestClock.setTime((1318622958 + 301) * 1000)
      const late = yield* Effect.flip(verifier.verify(xRequest(url)))
      assert.strictEqual(late.reason, "TimestampOutOfWindow")
      assert.deepStrictEqual(OAuth1.toV1Response(late), {
        status: 401,
        body: { errors: [{ code: 135, message: "Timestamp out of bounds." }] }
      })
      yield* TestClock.setTime((1318622958 + 300) * 1000)
      const edge = yield* verifier.verify(xRequest(url))
      assert.strictEqual(edge.userId, "370773112")
    }))

  it.effect("refuses a timestamp from the future beyond the window", () =>
    Effect.gen(function*() {
      const verifier = yield* OAuth1.make({ keyring, windowSeconds: 60 })
      yield* TestClock.setTime((1318622958 - 61) * 1000)
      const early = yield* Effect.flip(
        verifier.verify(xRequest("https://api.twitter.com/1.1/statuses/update.json?include_entities=true"))
      )
      assert.strictEqual(early.reason, "TimestampOutOfWindow")
    }))

  it.effect("refuses a replayed nonce and forgets it once the window has passed", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_000)
      const verifier = yield* OAuth1.make({ keyring, windowSeconds: 300 })
      const url = "http://127.0.0.1:4010/2/users/me"
      const auth = sign("GET", url, 1_700_000_000, "same-nonce")
      yield* verifier.verify({ method: "GET", url, authorization: auth })
      const replay = yield* Effect.flip(verifier.verify({ method: "GET", url, authorization: auth }))
      assert.strictEqual(replay.reason, "NonceReplayed")
      assert.deepStrictEqual(OAuth1.toV1Response(replay), {
        status: 401,
        body: { errors: [{ code: 32, message: "Could not authenticate you." }] }
      })
      assert.deepStrictEqual(OAuth1.toV2Response(replay).body, {
        title: "Unauthorized",
        type: "about:blank",
        status: 401,
        detail: "Unauthorized"
      })
      // After 10 minutes the same nonce with a fresh timestamp is accepted again, and the old entry is swept.
      yield* TestClock.adjust("601 seconds")
      yield* verifier.verify({ method: "GET", url, authorization: sign("GET", url, 1_700_000_601, "same-nonce") })
      // A reset forgets every nonce.
      yield* verifier.reset
      yield* verifier.verify({ method: "GET", url, authorization: sign("GET", url, 1_700_000_601, "same-nonce") })
    }))

  it.effect("binds a token to its consumer key when the keyring says so", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(137131202_000)
      const verifier = yield* OAuth1.make({ keyring })
      const other = yield* Effect.flip(verifier.verify({
        method: "GET",
        url: "http://photos.example.net/photos?file=vacation.jpg&size=original",
        authorization: `OAuth oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="${x.token}", ` +
          `oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", oauth_signature="x"`
      }))
      assert.strictEqual(other.reason, "TokenNotForConsumer")
    }))
})
