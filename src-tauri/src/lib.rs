//! The desktop shell of the Paperless Meeting Room: windows, IPC and the page-image
//! transport. It owns no logic: every command forwards to `meeting_client::app::AppCore`
//! (session, sync, meetings, documents, search, annotations, the room in session) in one to three lines. Errors cross IPC
//! as `{code, message}` (`UiError`); pages cross as raw RGBA bytes over the app's loopback
//! pixel socket (`meeting_client::pixel_socket`, which says why), with IPC
//! (`ipc::Response`) the fallback.

mod commands;
mod environment;
mod prepare;
mod room;
mod tasks;
mod webview;

use std::process::ExitCode;

use meeting_client::Profile;
use meeting_client::app::AppCore;
use meeting_pdf::{PdfService, WorkerCommand};
use tauri::Manager as _;

/// The window never leaves the app: a link in a document, a dropped file or a script
/// cannot navigate it to another page, local or remote (the viewer shows an external
/// link's address instead of following it). In release builds Tauri has no devtools
/// (the `devtools` feature is off), and the CSP in `tauri.conf.json` allows no remote
/// origin and no inline script.
fn stay_in_the_app<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("stay-in-the-app")
        .on_navigation(|_, url| {
            let ours = matches!(url.scheme(), "tauri")
                || (url.scheme() == "http" && url.host_str() == Some("tauri.localhost"))
                // The development server (`devUrl`), in debug builds only.
                || (cfg!(debug_assertions) && url.host_str() == Some("localhost") && url.port() == Some(5173));
            if !ours {
                tracing::warn!(%url, "navigation away from the app refused");
            }
            ours
        })
        .build()
}

/// Once the window's page has loaded and the first screen had time to come up, gives
/// back the code pages only the start needed (`meeting_client::resident` says why and
/// what it is worth). Once per run: a later load (none is expected) changes nothing.
fn release_startup_code_soon() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::thread::spawn(|| {
            std::thread::sleep(std::time::Duration::from_secs(2));
            let released = meeting_client::resident::release_startup_code();
            tracing::debug!(?released, "start's code pages given back");
        });
    });
}

/// Runs the app until its window closes.
pub fn run() -> ExitCode {
    environment::reexec_with_settings();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let profile = match Profile::open(&Profile::default_dir()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("phonghop: cannot open the profile: {e}");
            return ExitCode::FAILURE;
        }
    };
    let worker = meeting_client::pdf_worker().unwrap_or_else(|_| WorkerCommand {
        program: "phonghop".into(),
        args: vec![meeting_client::PDF_WORKER_ARG.into()],
    });
    let core = AppCore::new(profile, PdfService::start(worker, meeting_client::app::pdf_options()));
    let result = tauri::Builder::default()
        .plugin(stay_in_the_app())
        .on_page_load(|_, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                release_startup_code_soon();
            }
        })
        .manage(core.clone())
        .setup(move |app| {
            webview::configure(app);
            // Page pixels reach the web view faster over a loopback WebSocket than through
            // IPC; without it (no loopback?) the viewer uses IPC.
            let socket = tauri::async_runtime::block_on(meeting_client::pixel_socket::PixelSocket::start(
                core.clone(),
                commands::app_origins(),
            ));
            app.manage(commands::Pixels(socket.map_err(|e| tracing::warn!("no pixel socket: {e}")).ok()));
            // Folders the secretary left watched are watched again while the app is open.
            tauri::async_runtime::spawn(async move {
                if let Err(e) = core.hot_folders_resume() {
                    tracing::warn!("hot folders not resumed: {}", e.message);
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session,
            commands::login,
            commands::logout,
            commands::unlock,
            commands::lock,
            commands::set_pin,
            commands::unlock_pin,
            commands::sync,
            commands::meetings,
            commands::meeting,
            commands::meeting_opened,
            commands::open_document,
            commands::close_document,
            commands::warm_document,
            commands::prepare_cover,
            commands::render_page,
            commands::pixel_socket,
            commands::page_text,
            commands::page_links,
            commands::find_in_document,
            commands::search,
            commands::search_marks,
            commands::preference,
            commands::set_preference,
            commands::document_annotations,
            commands::meeting_annotations,
            commands::save_annotation,
            commands::mark_text,
            commands::export_document,
            prepare::prepare_meetings,
            prepare::prepare_view,
            prepare::prepare_create,
            prepare::prepare_update,
            prepare::prepare_status,
            prepare::prepare_copy,
            prepare::prepare_add_item,
            prepare::prepare_update_item,
            prepare::prepare_delete_item,
            prepare::prepare_reorder,
            prepare::prepare_directory,
            prepare::prepare_participant,
            prepare::prepare_upload,
            prepare::prepare_upload_bytes,
            prepare::prepare_audit,
            prepare::prepare_devices,
            prepare::opinions,
            prepare::set_opinion_handled,
            prepare::prepare_versions,
            prepare::prepare_save_original,
            prepare::prepare_update_document,
            prepare::prepare_delete_document,
            prepare::prepare_reorder_documents,
            prepare::hot_folder_status,
            prepare::hot_folder_link,
            prepare::hot_folder_stop,
            prepare::hot_folder_settle,
            room::room,
            room::room_live,
            room::room_live_stop,
            tasks::tasks_view,
            tasks::report_task,
            room::room_checkin,
            room::room_attend,
            room::room_speak,
            room::room_withdraw,
            room::room_give_floor,
            room::room_end_floor,
            room::room_set_item,
            room::room_present,
            room::room_stop_presenting,
            room::room_open_vote,
            room::room_cast,
            room::room_close_vote,
            room::room_set_quorum,
        ])
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("phonghop: {e}");
            ExitCode::FAILURE
        }
    }
}
