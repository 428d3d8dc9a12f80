#!/usr/bin/env node
// `npx weir`: loads tsx so Node runs the TypeScript sources, then the CLI (cli/main.ts).
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
