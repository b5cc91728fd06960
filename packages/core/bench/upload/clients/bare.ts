/**
 * `bare`: `node:http` with a keep-alive agent, writing the multipart framing itself and piping each file range
 * (`fs.createReadStream({ start, end })`) into the request. `bare-buffer`: the same, but reading each segment whole
 * and sending it in one write.
 */
import * as fs from "node:fs"
import * as http from "node:http"
import { runChild } from "../child.js"
import { appendHead, appendTail, type ChildArgs, initializeBody, MiB, pool, segmentsOf } from "../shared.js"

// the agent is made once per process, as an app keeps its client
let keptAgent: http.Agent | undefined

const upload = (whole: boolean) => async (a: ChildArgs, size: number) => {
  const agent = keptAgent ??= new http.Agent({ keepAlive: true, maxSockets: a.concurrency })
  const request = (
    method: string,
    pathname: string,
    headers: http.OutgoingHttpHeaders,
    write: (req: http.ClientRequest) => void
  ) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: a.port, method, path: pathname, agent, headers: { authorization: "Bearer bench", ...headers } },
        (res) => {
          let text = ""
          res.setEncoding("utf8")
          res.on("data", (d: string) => (text += d))
          res.on("end", () => (res.statusCode! < 300 ? resolve(text) : reject(new Error(`${pathname}: ${res.statusCode}`))))
        }
      )
      req.on("error", reject)
      write(req)
    })
  const initBody = JSON.stringify(initializeBody(size))
  const init = await request(
    "POST",
    "/2/media/upload/initialize",
    { "content-type": "application/json", "content-length": Buffer.byteLength(initBody) },
    (req) => req.end(initBody)
  )
  const id = (JSON.parse(init) as { data: { id: string } }).data.id
  const boundary = "----barebench7f3a9c"
  const fd = fs.openSync(a.file, "r")
  await pool(segmentsOf(size, a.chunk), a.concurrency, async (s) => {
    const head = appendHead(boundary, s.index)
    const tail = appendTail(boundary)
    await request(
      "POST",
      `/2/media/upload/${id}/append`,
      {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": head.length + s.length + tail.length
      },
      (req) => {
        if (whole) {
          // read the whole segment first, then send head + segment + tail in one write
          const body = Buffer.allocUnsafe(head.length + s.length + tail.length)
          head.copy(body, 0)
          fs.readSync(fd, body, head.length, s.length, s.start)
          tail.copy(body, head.length + s.length)
          req.end(body)
          return
        }
        req.write(head)
        const file = fs.createReadStream(a.file, { start: s.start, end: s.start + s.length - 1, highWaterMark: MiB })
        file.pipe(req, { end: false })
        file.on("end", () => req.end(tail))
        file.on("error", (e) => req.destroy(e))
      }
    )
  })
  await request("POST", `/2/media/upload/${id}/finalize`, { "content-length": 0 }, (req) => req.end())
  fs.closeSync(fd)
}

runChild({ bare: upload(false), "bare-buffer": upload(true) })
