//! Tauri's build step: embeds the config, capabilities, icons and the built UI.

fn main() {
    // The UI is embedded at compile time: rebuild when `npm run build` changed it.
    println!("cargo:rerun-if-changed=../ui/dist");
    if !std::path::Path::new("../ui/dist/index.html").exists() {
        panic!("the UI is not built: run `scripts/build-app` (or `cd ui && npm ci && npm run build`) first");
    }
    tauri_build::build();
}
