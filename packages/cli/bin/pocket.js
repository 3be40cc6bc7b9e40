#!/usr/bin/env node
// Node 22+ can keep the compiled bundle on disk between runs; older versions skip this.
import module from "node:module";

module.enableCompileCache?.();
await import("../dist/main.js");
