// Regenerates x-api-v2-openapi.media.json from X's full OpenAPI document.
// Usage: node packages/emulator/spec/extract-media-subset.mjs <path-to-x-openapi.json>
// Keeps the operations the emulator serves and every component they reference (transitively); nothing else changes.
import { readFileSync, writeFileSync } from "node:fs"

const source = process.argv[2]
if (!source) throw new Error("usage: extract-media-subset.mjs <x-api-v2-openapi.json>")
const spec = JSON.parse(readFileSync(source, "utf8"))
const wanted = {
  "/2/media": ["get"],
  "/2/media/analytics": ["get"],
  "/2/media/metadata": ["post"],
  "/2/media/subtitles": ["delete", "post"],
  "/2/media/upload": ["get", "post"],
  "/2/media/upload/initialize": ["post"],
  "/2/media/upload/{id}/append": ["post"],
  "/2/media/upload/{id}/finalize": ["post"],
  "/2/media/{media_key}": ["get"],
  "/2/tweets": ["post"],
  "/2/tweets/{id}": ["delete", "get"],
  "/2/users/me": ["get"],
  "/2/users/{id}/tweets": ["get"]
}
const paths = {}
for (const [path, methods] of Object.entries(wanted)) {
  const item = spec.paths[path]
  if (!item) throw new Error(`missing path ${path}`)
  paths[path] = {}
  for (const m of methods) paths[path][m] = item[m]
  if (item.parameters) paths[path].parameters = item.parameters
}
const components = {}
const seen = new Set()
const visit = (node) => {
  if (Array.isArray(node)) return node.forEach(visit)
  if (node === null || typeof node !== "object") return
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/")) {
      if (seen.has(v)) continue
      seen.add(v)
      const [, , kind, name] = v.split("/")
      const target = spec.components[kind][name]
      if (!target) throw new Error(`dangling ${v}`)
      ;(components[kind] ??= {})[name] = target
      visit(target)
    } else visit(v)
  }
}
visit(paths)
components.securitySchemes = spec.components.securitySchemes
for (const kind of Object.keys(components)) {
  components[kind] = Object.fromEntries(Object.entries(components[kind]).sort(([a], [b]) => a.localeCompare(b)))
}
const out = {
  openapi: spec.openapi,
  info: { ...spec.info, description: `Media-relevant subset of X API v2 ${spec.info.version}, extracted by extract-media-subset.mjs. ${spec.info.description ?? ""}`.trim() },
  servers: spec.servers,
  paths,
  components
}
writeFileSync(new URL("./x-api-v2-openapi.media.json", import.meta.url), JSON.stringify(out, null, 2) + "\n")
console.log(`${Object.keys(paths).length} paths, ${seen.size} components`)
