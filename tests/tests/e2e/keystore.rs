//! Issue 10, the OS keystore's copy of the device key, with a real Secret Service (GNOME
//! Keyring on a private D-Bus session) and the real `meeting` CLI:
//!
//! - after a login, the keystore holds the key: the next start reads the encrypted
//!   documents with no password at hand; a copy of the profile on another machine
//!   (another keystore, or none) opens nothing without the password, and opens with it;
//! - a logout takes the key out of the keystore: the next start needs the password;
//! - with no keystore at all, the login says so, and every start needs the password:
//!   never a silent plaintext fallback.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::util::{OsKeystore, TestServer};

/// The CLI with exactly this keystore environment and no password anywhere (no
/// `MEETING_PASSWORD`, no terminal): only a keystore can open the keys.
fn cli(profile: &Path, keystore: Option<&OsKeystore>, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_e2e-meeting"));
    cmd.env_remove("MEETING_PASSWORD").env_remove("DBUS_SESSION_BUS_ADDRESS").env("PHONGHOP_KEYSTORE", "os");
    for (k, v) in keystore.map(OsKeystore::env).unwrap_or_default() {
        cmd.env(k, v);
    }
    cmd.arg("--profile").arg(profile).args(args);
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn login(profile: &Path, url: &str, keystore: Option<&OsKeystore>) -> String {
    let out = cli(profile, keystore, &["login", "--server", url, "--username", "leader1"], Some("demo\n"));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "login: {err}");
    err
}

/// Whether a CLI call that must read the encrypted store and documents works.
fn reads(profile: &Path, keystore: Option<&OsKeystore>) -> Result<(), String> {
    let out = cli(profile, keystore, &["verify"], None);
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

fn keys_json(profile: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(profile.join("keys.json")).unwrap()).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_keystore_opens_this_laptop_only_and_a_logout_takes_its_key_back() {
    let server = TestServer::demo().await;
    let keystore = OsKeystore::start();
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop");
    let said = login(&laptop, &server.url, Some(&keystore));
    assert!(said.contains("được giữ trong kho khóa"), "the login says the keystore holds the key: {said}");
    assert!(keys_json(&laptop)["keystore"].is_object(), "keys.json names the keystore's entry");
    let synced = cli(&laptop, Some(&keystore), &["sync", "--json"], None);
    assert!(synced.status.success(), "sync with the keystore's key: {}", String::from_utf8_lossy(&synced.stderr));
    reads(&laptop, Some(&keystore)).expect("a new start reads the documents with no password");

    // The profile's files on other machines: one with its own keystore, one with none.
    let stolen = dir.path().join("stolen");
    copy_dir(&laptop, &stolen);
    let elsewhere = OsKeystore::start();
    for (what, ks) in [("another keystore", Some(&elsewhere)), ("no keystore", None)] {
        let err = reads(&stolen, ks).expect_err(what);
        assert!(err.contains("locked"), "{what}: refused as locked: {err}");
    }
    let with_password = crate::util::meeting_output(&stolen, &["verify"]);
    assert!(
        with_password.status.success(),
        "the password opens the copy: {}",
        String::from_utf8_lossy(&with_password.stderr)
    );

    // A logout removes the keystore's copy: the next start needs the password.
    let out = cli(&laptop, Some(&keystore), &["logout"], None);
    assert!(out.status.success(), "logout: {}", String::from_utf8_lossy(&out.stderr));
    assert!(keys_json(&laptop)["keystore"].is_null(), "keys.json no longer names an entry");
    login(&laptop, &server.url, None);
    assert!(reads(&laptop, Some(&keystore)).is_err(), "the old entry is gone: a start with the keystore is locked");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_keystore_the_login_says_so_and_every_start_needs_the_password() {
    let server = TestServer::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop");
    let said = login(&laptop, &server.url, None);
    assert!(said.contains("không có kho khóa"), "the login says there is no keystore: {said}");
    assert!(keys_json(&laptop)["keystore"].is_null());
    let err = reads(&laptop, None).expect_err("no password, no keystore: locked");
    assert!(err.contains("locked"), "{err}");
    let out = crate::util::meeting_output(&laptop, &["sync"]);
    assert!(out.status.success(), "with the password it syncs: {}", String::from_utf8_lossy(&out.stderr));
    assert!(crate::util::meeting_output(&laptop, &["verify"]).status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wipe_takes_the_key_out_of_the_keystore_so_a_copy_of_the_disk_stays_shut() {
    let server = TestServer::demo().await;
    let keystore = OsKeystore::start();
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop");
    login(&laptop, &server.url, Some(&keystore));
    assert!(cli(&laptop, Some(&keystore), &["sync"], None).status.success());
    // What a thief's image of the disk holds, on the same machine (same keystore).
    let image = dir.path().join("image");
    copy_dir(&laptop, &image);
    reads(&image, Some(&keystore)).expect("before the wipe, the keystore opens the image too");

    let admin = dir.path().join("admin");
    crate::util::meeting_login(&admin, &server.url, "admin");
    let devices = crate::util::meeting(&admin, &["admin", "devices", "--user", "leader1", "--json"]);
    let id = devices[0]["id"].as_str().unwrap().to_owned();
    crate::util::meeting(&admin, &["admin", "revoke-device", &id]);
    let out = cli(&laptop, Some(&keystore), &["sync"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("revoked"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!laptop.join("keys.json").exists(), "the laptop's keys are gone");
    let err = reads(&image, Some(&keystore)).expect_err("the keystore's copy of the key went with the wipe");
    assert!(err.contains("locked"), "{err}");
}
