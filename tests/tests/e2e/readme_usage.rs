//! The README's "Using it" lines, run as written: read from README.md itself (a line
//! changed there is the line run here), with only its placeholders filled in (`DIR`,
//! `MEETING`, `DOCUMENT_ID`, the server's address…), optional parts kept with their
//! first alternative (`[--demo | --demo-users]` → `--demo`, `on|off` → `on`), through
//! bash, against the real programs (`meeting-server`, `meeting`: the e2e crate's builds
//! of the same code, under those names on PATH).
//!
//! The lines a new user runs first must succeed (server, users, login, sync, reading,
//! preparing); every other line must at least be accepted as written — a renamed command
//! or flag is a usage error (clap's exit 2), which fails the test; a refusal in this
//! scenario (`meeting: error [CODE]`, e.g. publishing a meeting that is already
//! published) is the program answering, not the README being wrong.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use meeting_e2e::desktop::Kill;

use crate::util::Http;

/// The README's "Using it" block: one entry a command (continuations joined, comments
/// and blank lines dropped, `a | meeting b` split in two).
fn usage_lines() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let section = readme.split("## Using it").nth(1).expect("README has a \"Using it\" section");
    let block = section.split("```sh").nth(1).and_then(|b| b.split("```").next()).expect("its sh block");
    let mut lines = Vec::new();
    let mut joined = String::new();
    for raw in block.lines() {
        let line = strip_comment(raw);
        if let Some(head) = line.trim_end().strip_suffix('\\') {
            joined.push_str(head);
            continue;
        }
        joined.push_str(&line);
        let command = std::mem::take(&mut joined).split_whitespace().collect::<Vec<_>>().join(" ");
        if command.is_empty() {
            continue;
        }
        // "meeting current MEETING [ITEM] | meeting floor …": two commands, not a pipe.
        lines.extend(split_alternatives(&command));
    }
    lines
}

/// The line without its comment (`#` outside quotes, at the start or after a space).
fn strip_comment(line: &str) -> String {
    let (mut quote, mut prev) = (None, ' ');
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if prev.is_whitespace() => return line[..i].to_owned(),
            _ => {}
        }
        prev = c;
    }
    line.to_owned()
}

/// Splits on a `|` outside brackets when the next part is another `meeting` command.
fn split_alternatives(command: &str) -> Vec<String> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in command.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '|' if depth == 0 && command[i + 1..].trim_start().starts_with("meeting ") => {
                parts.push(command[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(command[start..].trim().to_owned());
    parts
}

/// Optional parts kept with their first alternative, `a|b|c` words as `a`, `…` gone.
fn as_run(command: &str) -> String {
    let mut out = String::new();
    let mut rest = command;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find(']').map_or(rest.len(), |c| open + c);
        out.push_str(rest[open + 1..close].split(" | ").next().unwrap_or(""));
        rest = rest.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out.split_whitespace()
        .filter(|w| *w != "…")
        .map(|w| if w.len() > 1 && w.contains('|') && !w.contains('\'') { w.split('|').next().unwrap() } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replaces whole words (`MEETING` but not `MEETING_ID`'s prefix) by their values.
fn fill(command: &str, values: &[(&str, String)]) -> String {
    command
        .split(' ')
        .map(|w| {
            let mut w = w.to_owned();
            for (k, v) in values {
                if w == *k || w.starts_with(&format!("{k}/")) {
                    w = w.replacen(k, v, 1);
                }
            }
            w
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A folder with `meeting` and `meeting-server` (the e2e crate's builds) for PATH.
fn programs(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_e2e-meeting"), bin.join("meeting")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_e2e-meeting-server"), bin.join("meeting-server")).unwrap();
    bin
}

struct Shell {
    path: String,
    cwd: PathBuf,
}

impl Shell {
    fn run(&self, line: &str, profile: &Path, stdin: &str) -> Output {
        use std::io::Write as _;
        let mut child = Command::new("bash")
            .args(["-c", line])
            .current_dir(&self.cwd)
            .env("PATH", &self.path)
            .env("MEETING_PROFILE", profile)
            .env("MEETING_PASSWORD", "demo")
            .env("MEETING_OLD_PASSWORD", "demo")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        // `meeting live` stays live until stopped: a few seconds of it is what a user sees.
        let until = Instant::now() + Duration::from_secs(if line.starts_with("meeting live") { 3 } else { 240 });
        while child.try_wait().unwrap().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        if child.try_wait().unwrap().is_none() {
            let _ = child.kill();
        }
        child.wait_with_output().unwrap()
    }
}

/// Which demo user runs a line: the secretariat's commands, the admin's, or leader1's.
fn runs_as(line: &str) -> &'static str {
    let words: Vec<&str> = line.split(' ').filter(|w| !w.starts_with("--") && !w.contains('/')).collect();
    let sub = words.get(1).copied().unwrap_or("");
    let secretariat =
        ["prepare", "present", "current", "floor", "attend", "quorum", "opinions", "tasks", "minutes", "conclusions"];
    if secretariat.contains(&sub) || (sub == "vote" && matches!(words.get(2), Some(&"open" | &"close"))) {
        "secretary1"
    } else if sub == "admin" {
        "admin"
    } else {
        "leader1"
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_usage_lines_run_as_written() {
    let lines = usage_lines();
    assert!(lines.len() >= 40, "the README's usage block looks cut short: {lines:#?}");
    let dir = tempfile::tempdir().unwrap();
    let bin = programs(dir.path());
    let cwd = dir.path().join("work");
    std::fs::create_dir_all(cwd.join("HopUBND/thang-12/01 - Báo cáo")).unwrap();
    std::fs::write(cwd.join("bao-cao.docx"), meeting_e2e::office::docx("Báo cáo", &["Cải cách hành chính."])).unwrap();
    std::fs::write(cwd.join("bao-cao-v2.docx"), meeting_e2e::office::docx("Báo cáo", &["Bản bổ sung."])).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let sh = Shell { path, cwd: cwd.clone() };
    let data = dir.path().join("data");
    let profiles: Vec<(&str, PathBuf)> =
        ["leader1", "secretary1", "admin"].iter().map(|u| (*u, dir.path().join(u))).collect();
    let profile = |user: &str| profiles.iter().find(|(u, _)| *u == user).unwrap().1.clone();

    // The server, as its README line starts it (listening where this test can).
    let serve = lines.iter().find(|l| l.starts_with("meeting-server serve")).expect("the serve line");
    let serve = fill(&as_run(serve), &[("DIR", data.display().to_string()), ("0.0.0.0:8080", "127.0.0.1:0".into())]);
    assert!(serve.contains("--demo"), "{serve}");
    let out_file = dir.path().join("server.out");
    // Stopped when the test ends, passed or not (the shell `exec`s the server: the child
    // is the server itself).
    let mut server = Kill(
        Command::new("bash")
            .args(["-c", &format!("exec {serve} > {}", out_file.display())])
            .current_dir(&cwd)
            .env("PATH", &sh.path)
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let until = Instant::now() + Duration::from_secs(60);
    let url = loop {
        let said = std::fs::read_to_string(&out_file).unwrap_or_default();
        if let Some(u) = said.lines().find_map(|l| l.strip_prefix("meeting-server listening on ")) {
            break u.to_owned();
        }
        assert!(server.0.try_wait().unwrap().is_none(), "{serve} exited");
        assert!(Instant::now() < until, "{serve} did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for user in ["secretary1", "admin"] {
        crate::util::meeting_login(&profile(user), &url, user);
    }
    let sec = Http::login(&url, "secretary1").await;
    let mid = sec.meeting_id("Phiên họp thường kỳ").await;
    let m = sec.get(&format!("/meetings/{mid}")).await;
    let doc = m["documents"][0]["id"].as_str().unwrap().to_owned();
    let item = m["agenda"][0]["id"].as_str().unwrap().to_owned();
    let pdf = cwd.join("ba-trang.pdf");
    let font = meeting_server::demo::load_font().unwrap();
    let blocks = [meeting_server::demo::pdf::Block::Paragraph("Cải cách hành chính.".into())];
    std::fs::write(&pdf, meeting_server::demo::pdf::render(&font, "Ba trang", &blocks, 3).unwrap().0).unwrap();

    let values = vec![
        ("DIR", data.display().to_string()),
        ("~/.phonghop", profile("leader1").display().to_string()),
        ("http://10.0.0.5:8080", url.clone()),
        ("URL", url.clone()),
        ("NAME", "leader1".to_owned()),
        ("MEETING_ID", mid.clone()),
        ("MEETING", mid.clone()),
        ("ID", mid.clone()),
        ("DOCUMENT_ID", doc.clone()),
        ("DOCUMENT", doc.clone()),
        ("ITEM", item.clone()),
        ("VOTE", uuid::Uuid::now_v7().to_string()),
        ("TOKEN_ID", uuid::Uuid::now_v7().to_string()),
        ("ANNOTATION_ID", uuid::Uuid::now_v7().to_string()),
        ("FILE", pdf.display().to_string()),
        ("PDF", pdf.display().to_string()),
        ("PATH", cwd.join("gone.pdf").display().to_string()),
        ("~/HopUBND", cwd.join("HopUBND").display().to_string()),
    ];
    // What a new user runs first: each must succeed.
    let must_succeed = [
        "echo 'secret' | meeting-server user add",
        "meeting-server openapi",
        "meeting --profile ~/.phonghop login",
        "meeting --profile ~/.phonghop sync",
        "meeting --profile ~/.phonghop meetings",
        "meeting --profile ~/.phonghop show",
        "meeting --profile ~/.phonghop verify",
        "meeting --profile ~/.phonghop search",
        "meeting pdf info",
        "meeting pdf render",
        "meeting annotations add-note",
        "meeting annotations list",
        "meeting export",
        "meeting prepare create",
        "meeting prepare participant",
        "meeting prepare item",
        "meeting prepare upload",
        "meeting prepare audit",
        "meeting prepare opens",
        "meeting room",
        "meeting admin devices",
    ];
    // The secretariat's `prepare` lines work on a draft of their own: with every
    // optional part kept, `participant … leader1 --role member --remove` takes leader1
    // off the meeting, and the reading lines after it need the demo meeting.
    let draft = crate::convert::meeting(&sec).await;
    let leader1 = sec.user_id("leader1").await;
    let body = Some(serde_json::json!({"role": "member"}));
    sec.send(reqwest::Method::PUT, &format!("/meetings/{draft}/participants/{leader1}"), body).await.expect(204);
    let prepare_values: Vec<(&str, String)> = values
        .iter()
        .map(|(k, v)| (*k, if matches!(*k, "MEETING" | "MEETING_ID") { draft.clone() } else { v.clone() }))
        .collect();
    let mut ran = Vec::new();
    let commands = lines.iter().filter(|l| l.starts_with("meeting") || l.contains("| meeting-server"));
    for line in commands.filter(|l| !l.starts_with("meeting-server serve")) {
        let run = fill(&as_run(line), if line.starts_with("meeting prepare") { &prepare_values } else { &values });
        let out = sh.run(&run, &profile(runs_as(line)), "demo\n");
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let say = format!("README line `{line}`\nrun as `{run}`\nexit {:?}\n{stdout}\n{stderr}", out.status);
        assert!(out.status.code() != Some(2) || stderr.starts_with("meeting: "), "not accepted as written: {say}");
        assert!(!stderr.contains("Usage:"), "not accepted as written: {say}");
        if must_succeed.iter().any(|p| line.starts_with(p)) {
            assert!(out.status.success(), "{say}");
            ran.push(line.clone());
        } else if !out.status.success() && !run.starts_with("meeting live") {
            assert!(stderr.contains("error ["), "a refusal says its code: {say}");
        }
    }
    assert_eq!(ran.len(), must_succeed.len(), "every first line of the README ran: {ran:#?}");
    // The README's user add made a user who logs in with the password it piped.
    let login = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "ttp", "password": "secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "the user the README adds logs in");
    assert!(cwd.join("openapi.json").is_file() && cwd.join("page3.png").is_file() && cwd.join("copy.pdf").is_file());
    drop(server);
}

#[test]
fn readme_lines_are_read_as_a_user_reads_them() {
    let cast = r#"meeting vote cast VOTE "dong y"   # or the choice's number"#;
    assert_eq!(strip_comment(cast).trim_end(), r#"meeting vote cast VOTE "dong y""#);
    assert_eq!(strip_comment("# a comment only"), "");
    assert_eq!(strip_comment(r#"meeting x "a # b""#), r#"meeting x "a # b""#);
    assert_eq!(
        split_alternatives("meeting current MEETING [ITEM] | meeting floor MEETING [--speaker ID | --end]"),
        ["meeting current MEETING [ITEM]", "meeting floor MEETING [--speaker ID | --end]"]
    );
    assert_eq!(split_alternatives("echo 'secret' | meeting-server user add").len(), 1, "a pipe is one command");
    assert_eq!(as_run("meeting floor MEETING [--speaker ID | --end]"), "meeting floor MEETING --speaker ID");
    assert_eq!(
        as_run("echo 'x' | meeting prepare participant M u [--role member|chair]"),
        "echo 'x' | meeting prepare participant M u --role member"
    );
    assert_eq!(as_run("meeting vote open ITEM [--choice C …]"), "meeting vote open ITEM --choice C");
    let values = [("MEETING_ID", "a".to_owned()), ("MEETING", "b".to_owned()), ("~/HopUBND", "/h".to_owned())];
    assert_eq!(fill("meeting show MEETING_ID MEETING ~/HopUBND/thang-12", &values), "meeting show a b /h/thang-12");
}
