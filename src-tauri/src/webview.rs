//! Web view settings the UI cannot make itself.
//!
//! WebKitGTK composites with the GPU on demand by default. Measured with
//! `bench-memory` (software GL under Xvfb, a 60-page document read to the end), turning
//! that off took the web process from 480–500 MB to ~200 MB right after opening, and
//! scrolled twice as fast; office laptops often have weak or badly supported GPUs, where
//! WebKitGTK's GPU path is also the usual source of blank windows. So the app renders
//! in software unless `PHONGHOP_GPU=1` asks for the GPU. The page images are already
//! rasterised by pdfium; the web view only blits them.

/// Applies the settings to the main window's web view.
pub fn configure(app: &tauri::App) {
    #[cfg(target_os = "linux")]
    {
        use tauri::Manager as _;
        let Some(window) = app.get_webview_window("main") else { return };
        let gpu = std::env::var_os("PHONGHOP_GPU").is_some_and(|v| v == "1");
        let applied = window.with_webview(move |view| {
            use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt as _, WebViewExt as _};
            if let Some(settings) = view.inner().settings() {
                let policy = if gpu { HardwareAccelerationPolicy::OnDemand } else { HardwareAccelerationPolicy::Never };
                settings.set_hardware_acceleration_policy(policy);
            }
        });
        if let Err(e) = applied {
            tracing::warn!("web view settings not applied: {e}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}
