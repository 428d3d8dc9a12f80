/**
 * The UI's entry point (bundled by scripts/build-ui.mjs into ui/dist).
 *
 * @module
 */

import { render } from "preact";
import { App } from "./app.tsx";
import { installRouter } from "./router.ts";

const root = document.getElementById("app");
if (root === null) throw new Error("index.html has no #app element");
installRouter();
render(<App />, root);
