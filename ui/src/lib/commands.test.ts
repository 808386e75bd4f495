/// <reference types="vite/client" />
// The UI's one door to the app is commands.ts, generated from the Rust commands (see
// src-tauri/tests/commands.rs): a component or service that called `invoke` itself would
// name a command and its arguments as free text again, unchecked until it fails in the
// window.
import { describe, expect, it } from "vitest";

const sources = import.meta.glob(["../**/*.ts", "../**/*.svelte", "!../**/*.test.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

describe("the command layer", () => {
  it("is the only place that calls invoke", () => {
    const files = Object.keys(sources);
    expect(files.length).toBeGreaterThan(20);
    const calling = files.filter(
      (f) => !/(^|\/)lib\/commands\.ts$|^\.\/commands\.ts$/.test(f) && /\binvoke\b[^\n]*from "@tauri-apps\/api\/core"|\binvoke\s*[<(]/.test(sources[f]),
    );
    expect(calling).toEqual([]);
  });
});
