/** `fetch`: plain `fetch` + `FormData` + `Blob` per segment (Node's built-in undici). */
import * as fs from "node:fs"
import { runChild } from "../child.js"
import { type ChildArgs, initializeBody, pool, segmentsOf } from "../shared.js"

const upload = async (a: ChildArgs, size: number) => {
  const base = `http://127.0.0.1:${a.port}`
  const headers = { authorization: "Bearer bench" }
  const init = await fetch(`${base}/2/media/upload/initialize`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(initializeBody(size))
  })
  const id = ((await init.json()) as { data: { id: string } }).data.id
  const handle = await fs.promises.open(a.file, "r")
  try {
    await pool(segmentsOf(size, a.chunk), a.concurrency, async (s) => {
      const buffer = Buffer.allocUnsafe(s.length)
      await handle.read(buffer, 0, s.length, s.start)
      const form = new FormData()
      form.append("segment_index", String(s.index))
      form.append("media", new Blob([buffer], { type: "application/octet-stream" }), "media")
      const response = await fetch(`${base}/2/media/upload/${id}/append`, { method: "POST", headers, body: form })
      if (!response.ok) throw new Error(`append ${s.index}: ${response.status}`)
      await response.arrayBuffer()
    })
  } finally {
    await handle.close()
  }
  const fin = await fetch(`${base}/2/media/upload/${id}/finalize`, { method: "POST", headers })
  await fin.arrayBuffer()
}

runChild({ fetch: upload })
