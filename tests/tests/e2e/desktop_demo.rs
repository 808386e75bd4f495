//! Desktop half of the README's main command: the app `scripts/run-demo` starts, on the
//! profile it prepared, on a machine without an OS keystore, opens at its lock screen,
//! and shows the demo's meetings once the password the script names is typed.
//!
//! The script's own last step is `MEETING_PROFILE=$PROFILE target/…/phonghop`; here the
//! same binary starts on the same profile through tauri-driver so that the window can be
//! driven (the script runs with `NO_APP=1` for that; everything before is its own).

use std::path::Path;
use std::time::Duration;

use meeting_e2e::desktop::Desktop;

use crate::desktop::{app_binary, can_run, save};
use crate::readme::{DEMO_MEETINGS, RunDemo};

#[tokio::test(flavor = "multi_thread")]
async fn desktop_demo_app_opens_locked_and_shows_the_meetings_after_the_password() {
    if !can_run() {
        return;
    }
    let demo = RunDemo::start();
    // The password the script tells the user to type.
    let password = demo
        .output
        .lines()
        .find_map(|l| l.split("password: ").nth(1))
        .map(|p| p.trim_end_matches('.').to_owned())
        .unwrap_or_else(|| panic!("run-demo names no password:\n{}", demo.output));
    // No OS keystore for the app either, as on such a machine: the keystore is on (the
    // test command turns it off for everything else) and its session bus does not exist
    // (never a developer's own).
    let no_bus = Path::new("unix:path=/nonexistent/phonghop-no-session-bus");
    let env = [("PHONGHOP_KEYSTORE", Path::new("on")), ("DBUS_SESSION_BUS_ADDRESS", no_bus)];
    let desktop = Desktop::launch_with(&app_binary(), &demo.profile, &env).await;
    let s = &desktop.session;
    let long = Duration::from_secs(60);
    let field = s.wait_for("[data-testid=unlock-password]", 1, long).await.remove(0);
    // The lock screen says why it asks: this machine has no keystore.
    s.wait_for("[data-testid=no-keystore]", 1, long).await;
    let why =
        s.script("return document.querySelector('[data-testid=no-keystore]').innerText", serde_json::json!([])).await;
    assert!(why.as_str().unwrap_or_default().contains("không có kho khoá"), "{why}");
    save(s, "demo-locked.png").await;
    s.type_into(&field, &password).await;
    s.click(&s.wait_for("[data-testid=unlock]", 1, long).await[0]).await;
    let shown = s.wait_for("[data-testid=meeting]", DEMO_MEETINGS.len(), long).await;
    assert_eq!(shown.len(), DEMO_MEETINGS.len());
    let text = s.script("return document.body.innerText", serde_json::json!([])).await;
    let text = text.as_str().unwrap_or_default();
    for title in DEMO_MEETINGS {
        assert!(text.contains(title), "{title} is not on the meetings list: {text}");
    }
    save(s, "demo-meetings.png").await;
    desktop.quit().await;
    demo.stop();
}
