// Regenerates emulator-admin.openapi.json from the admin Schemas: tsx packages/emulator/spec/generate-admin-openapi.ts
import { writeFileSync } from "node:fs"
import { document } from "../src/internal/admin/openapi.js"
import { VERSION } from "../src/internal/config.js"

writeFileSync(new URL("./emulator-admin.openapi.json", import.meta.url), JSON.stringify(document(VERSION), null, 2) + "\n")
