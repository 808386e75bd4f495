//! The UI's TypeScript types (`ui/src/lib/bindings/`) are generated from the Rust types
//! that cross IPC. This test fails when they drift; after an intended change run
//! `UPDATE_BINDINGS=1 cargo test -p phonghop-desktop --test bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

fn export(dir: &Path) {
    // serde_json writes 64-bit integers as JSON numbers, not bigints.
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    macro_rules! all {
        ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all(&cfg).expect(stringify!($t)); )* };
    }
    all!(
        meeting_client::app::Session,
        meeting_client::app::UiError,
        meeting_client::app::UiCode,
        meeting_client::app::OpenedDocument,
        meeting_client::app::CoverShape,
        meeting_client::store::MeetingSummary,
        meeting_client::store::LocalMeeting,
        meeting_client::search::SearchHit,
        meeting_client::mark_search::MarkHit,
        meeting_client::SyncProgress,
        meeting_client::SyncReport,
        meeting_pdf::PageText,
        meeting_pdf::SearchHit,
        meeting_pdf::Priority,
        meeting_pdf::PageLink,
        meeting_client::annotations::LocalAnnotation,
        meeting_client::drafts::AnnotationDraft,
        meeting_client::export::ExportReport,
        meeting_client::app::PrepareView,
        meeting_client::app::PublishWarning,
        meeting_client::app::HotFolderStatus,
        meeting_client::app::DeletionChoice,
        meeting_client::prepare::Uploaded,
        meeting_protocol::MeetingInput,
        meeting_protocol::AgendaItemInput,
        meeting_protocol::CopyMeetingRequest,
        meeting_protocol::AuditEntry,
        meeting_protocol::Conversion,
        meeting_protocol::DocumentVersion,
        meeting_protocol::DocumentPatch,
        meeting_protocol::Opinion,
        meeting_protocol::ParticipantDevices,
        meeting_protocol::User,
        meeting_client::app::RoomView,
        meeting_client::app::TasksView,
        meeting_client::app::NoteSent,
        meeting_client::live::LiveEvent,
        meeting_protocol::VoteInput,
        meeting_protocol::AttendanceStatus,
    );
}

fn read_all(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read_to_string(e.path()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn typescript_bindings_match_the_rust_types() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
    let fresh = tempfile::tempdir().expect("tempdir");
    export(fresh.path());
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).expect("mkdir");
        export(&committed);
    }
    let (want, have) = (read_all(fresh.path()), read_all(&committed));
    assert!(!want.is_empty());
    assert!(
        want == have,
        "ui/src/lib/bindings is out of date with the Rust types ({} generated, {} committed); run \
         `UPDATE_BINDINGS=1 cargo test -p phonghop-desktop --test bindings`",
        want.len(),
        have.len()
    );
}
