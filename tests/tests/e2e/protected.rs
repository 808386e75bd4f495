//! Office files protected by a password to open (DOC, DOCX, XLS, XLSX, PPT, PPTX, ODT,
//! ODS, ODP, made with the office programs' own encryption) are refused with their own code,
//! `password_protected`, and a message that says what to do — never as damaged — through
//! the API and the `meeting` CLI; an encrypted workbook LibreOffice opens without a
//! password (Excel's built-in one) is converted, not refused by the server's own checks.

use std::time::Duration;

use meeting_e2e::protected;

use crate::convert::{finished, upload};
use crate::util::{Http, ServerOptions, TestServer, meeting, meeting_output, profile};

fn server_options() -> ServerOptions {
    let soffice = meeting_server::convert::find_program().expect("LibreOffice (soffice): scripts/setup installs it");
    ServerOptions { demo_users: true, soffice: Some(soffice), ..Default::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_protected_by_a_password_gets_its_own_code_and_an_encrypted_one_libreoffice_opens_converts() {
    let Some(files) = protected::files_or_skip() else { return };
    let server = TestServer::start(server_options()).await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = crate::convert::meeting(&sec).await;

    // Every format is accepted for conversion (an encrypted DOCX is an OLE2 container,
    // not a ZIP: the server's own check lets LibreOffice decide), then fails with its code.
    let mut accepted = Vec::new();
    for ext in protected::FORMATS {
        let bytes = std::fs::read(files.join(format!("protected.{ext}"))).unwrap();
        let name = format!("bao-cao-co-mat-khau.{ext}");
        accepted.push((ext, upload(&sec, &mid, &name, bytes, "").await.expect(202)));
    }
    for (ext, c) in &accepted {
        let done = finished(&sec, c, Duration::from_secs(180)).await;
        assert_eq!(done["state"], "failed", "{ext}: {done}");
        assert_eq!(done["error"]["code"], "password_protected", "{ext}: {done}");
        let message = done["error"]["message"].as_str().unwrap();
        let app = match **ext {
            "doc" | "docx" => "Word",
            "xls" | "xlsx" => "Excel",
            "ppt" | "pptx" => "PowerPoint",
            _ => "LibreOffice",
        };
        for words in ["mật khẩu", "password", app, &ext.to_uppercase()] {
            assert!(message.contains(words), "{ext}: the message does not say {words:?}: {message}");
        }
        assert!(!message.contains("damaged"), "{ext}: {message}");
    }
    assert!(sec.get(&format!("/meetings/{mid}")).await["documents"].as_array().unwrap().is_empty());

    // Excel's built-in password: LibreOffice opens it, so it becomes a document.
    let bytes = std::fs::read(files.join("default-encryption.xlsx")).unwrap();
    let c = upload(&sec, &mid, "so-lieu.xlsx", bytes, "").await.expect(202);
    let done = finished(&sec, &c, Duration::from_secs(180)).await;
    assert_eq!(done["state"], "ready", "{done}");
    let doc = sec.get(&format!("/documents/{}", done["document_id"].as_str().unwrap())).await;
    assert!(doc["page_count"].as_i64().unwrap() >= 1, "{doc}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_prints_and_exits_with_the_servers_own_code() {
    let Some(files) = protected::files_or_skip() else { return };
    let server = TestServer::start(server_options()).await;
    let dir = tempfile::tempdir().unwrap();
    let sec = profile(dir.path(), "secretary1");
    sec.login(&server.url, "secretary1", "demo").await.unwrap();
    let sp = sec.dir().to_owned();
    let m = meeting(
        &sp,
        &["prepare", "create", "--title", "Họp thử", "--starts-at", "2026-12-15T08:00:00+07:00", "--json"],
    );
    let mid = m["id"].as_str().unwrap().to_owned();

    let xls = files.join("protected.xls");
    let out = meeting_output(&sp, &["prepare", "upload", &mid, xls.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("meeting: error [password_protected]: "), "the server's code comes first: {err}");
    assert!(err.contains("mật khẩu") && err.contains("Excel"), "{err}");
    assert!(!err.contains("server_error"), "{err}");

    // --json: the error on stdout as {code, message}, for scripts.
    let pptx = files.join("protected.pptx");
    let out = meeting_output(&sp, &["prepare", "upload", &mid, pptx.to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["error"]["code"], "password_protected", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("PowerPoint"), "{body}");
}

/// The OpenDocument check on packages written here (`office::zip`, as LibreOffice lays
/// them out): the manifest's `encryption-data` marks it protected; a plain package, or
/// one cut short, is not (a damaged file is damaged). No LibreOffice needed.
#[test]
fn an_opendocument_package_is_protected_when_its_manifest_lists_encryption_data() {
    let package = |extra: &str| {
        let manifest = format!(
            "<manifest:manifest><manifest:file-entry manifest:full-path=\"content.xml\">{extra}</manifest:file-entry></manifest:manifest>"
        );
        meeting_e2e::office::zip(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text".as_slice()),
            ("META-INF/manifest.xml", manifest.as_bytes()),
        ])
    };
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let locked = package("<manifest:encryption-data/>");
    let protected = meeting_server::convert::password_protected;
    assert!(protected(&write("locked.odt", &locked)));
    assert!(!protected(&write("plain.odt", &package(""))));
    assert!(!protected(&write("cut.odt", &locked[..locked.len() - 30])), "a damaged package is damaged");
}
