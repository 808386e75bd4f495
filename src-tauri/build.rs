//! Tauri's build step: embeds the config, capabilities, icons and the built UI.

fn main() {
    // The UI is embedded at compile time: rebuild when `npm run build` changed it.
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build();
}
