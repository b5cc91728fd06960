/**
 * `lean`: the `platform` client's worker loop, but each request is one `Effect.async` around `http.request` (no
 * HttpClient): what an Effect program over node:http costs, to separate the Effect runtime from the HttpClient.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import { runChild } from "../child.js"
import { appendWorkers } from "../effectWorkers.js"
import { type ChildArgs, initializeBody } from "../shared.js"

// the agent is made once per process, as an app keeps its client
let agent: http.Agent | undefined

const upload = (a: ChildArgs, size: number) => {
  agent ??= new http.Agent({ keepAlive: true, maxSockets: a.concurrency })
  const boundary = "----leanbench7f3a9c"
  const fd = fs.openSync(a.file, "r")
  const send = (method: string, path: string, headers: http.OutgoingHttpHeaders, body?: Uint8Array) =>
    Effect.async<string, Error>((resume) => {
      const url = new URL(`http://127.0.0.1:${a.port}${path}`)
      const options = { agent, method, headers: { authorization: "Bearer bench", ...headers } }
      const req = http.request(url, options, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (d: Buffer) => chunks.push(d))
        res.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
        res.on("error", (e) => resume(Effect.fail(e)))
      })
      req.on("error", (e) => resume(Effect.fail(e)))
      req.end(body)
    })
  const program = Effect.gen(function*() {
    const initBody = Buffer.from(JSON.stringify(initializeBody(size)))
    const init = JSON.parse(yield* send("POST", "/2/media/upload/initialize", { "content-type": "application/json", "content-length": initBody.length }, initBody)) as { data: { id: string } }
    yield* appendWorkers(a, size, fd, boundary, (body) =>
      Effect.map(
        send("POST", `/2/media/upload/${init.data.id}/append`, {
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "content-length": body.length
        }, body),
        (t) => JSON.parse(t) as unknown
      ))
    yield* send("POST", `/2/media/upload/${init.data.id}/finalize`, { "content-length": 0 })
  })
  return Effect.runPromise(program).finally(() => fs.closeSync(fd))
}

runChild({ lean: upload })
