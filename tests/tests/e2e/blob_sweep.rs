//! The files no document refers to any more are deleted (`meeting-server blobs sweep`,
//! which every instance also runs by itself), on files and in a bucket alike; files a
//! document still names, or written a moment ago, stay.

use std::process::Command;
use std::time::Duration;

use reqwest::Method;

use crate::util::{Http, TestServer, make_pdf, sha256_hex};

/// `meeting-server blobs sweep ARGS` against the server's store; its standard output.
fn sweep(server: &TestServer, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_e2e-meeting-server"))
        .args(["blobs", "sweep"])
        .args(server.store_args())
        .args(server.blob_args())
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "e2e")
        .env("AWS_SECRET_ACCESS_KEY", "e2e")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "blobs sweep {args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn files_of_deleted_documents_are_swept_and_files_still_named_are_kept() {
    let server = TestServer::demo().await;
    let sec = Http::login(&server.url, "secretary1").await;
    let mid = sec.meeting_id("").await;
    let shared = make_pdf("Tờ trình dùng chung", "Nội dung giống hệt ở hai tài liệu.");
    let alone = make_pdf("Báo cáo bị xóa", "Chỉ tài liệu này dùng tệp này.");
    let (shared_sha, alone_sha) = (sha256_hex(&shared), sha256_hex(&alone));
    let first = sec.upload(&mid, "to-trinh.pdf", shared.clone()).await.expect(201);
    let copy = sec.upload(&mid, "to-trinh-ban-sao.pdf", shared).await.expect(201);
    let gone = sec.upload(&mid, "bao-cao.pdf", alone).await.expect(201);
    assert_eq!(copy["sha256"], shared_sha.as_str());
    let detail = sec.get(&format!("/meetings/{mid}")).await;
    let demo_shas: Vec<String> = detail["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["sha256"].as_str().unwrap().to_owned())
        .filter(|s| *s != shared_sha && *s != alone_sha)
        .collect();
    assert!(!demo_shas.is_empty(), "the demo meeting has documents of its own");
    for doc in [&first, &gone] {
        sec.send(Method::DELETE, &format!("/documents/{}", doc["id"].as_str().unwrap()), None).await.expect(204);
    }
    assert!(server.has_blob(&alone_sha), "deleting a document leaves its file to the sweep");

    // Just written: within the grace period nothing is touched.
    let said = sweep(&server, &[]);
    assert!(said.contains("đã xóa 0;") && said.contains("deleted 0;"), "{said}");
    assert!(server.has_blob(&alone_sha));

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let said = sweep(&server, &["--older-than", "1s", "--dry-run"]);
    assert!(said.contains("sẽ xóa 1;") && said.contains("would delete 1;"), "{said}");
    assert!(server.has_blob(&alone_sha), "a dry run deletes nothing");

    let said = sweep(&server, &["--older-than", "1s"]);
    assert!(said.contains("đã xóa 1;") && said.contains("deleted 1;"), "{said}");
    assert!(!server.has_blob(&alone_sha), "the file no document names is gone");
    assert!(server.has_blob(&shared_sha), "the file another document still names stays");
    for sha in &demo_shas {
        assert!(server.has_blob(sha), "the demo's documents keep their files");
    }
    // What stayed still serves: the copy downloads whole.
    let got = sec.get_with(&format!("/blobs/{shared_sha}"), &[]).await;
    assert_eq!(got.status, 200);
    assert_eq!(sha256_hex(&got.bytes), shared_sha);

    // The same bytes uploaded again after their file was swept are stored again.
    let again = sec.upload(&mid, "bao-cao.pdf", make_pdf("Báo cáo bị xóa", "Chỉ tài liệu này dùng tệp này.")).await;
    assert_eq!(again.expect(201)["sha256"], alone_sha.as_str());
    assert!(server.has_blob(&alone_sha));
    let said = sweep(&server, &["--older-than", "1s"]);
    assert!(said.contains("đã xóa 0;"), "{said}");
}
