//! `bench-start`: from a cold start of the app's core to the meetings list, on an
//! encrypted profile, the ways a leader gets in: the password (Argon2id unwraps the
//! master key, then the store is keyed and read), the PIN after an idle lock, and the
//! key from the OS keystore: a real Secret Service (GNOME Keyring on a private D-Bus
//! bus, as the tests use) when `gnome-keyring-daemon` is installed, else that figure is
//! reported as not measured. The floor is the same list read from the already unlocked
//! profile.
//!
//! Run with `cargo run --release -p meeting-bench --bin bench-start -- [--rounds N]`.

use std::time::{Duration, Instant};

use meeting_bench::{LocalServer, PASSWORD, Prepared};

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> std::process::ExitCode {
    // The client finds the keystore through its environment, which a running program
    // should not change: this one starts the keystore, then runs itself again in it.
    if std::env::var_os(CHILD).is_some() {
        return meeting_bench::exit("bench-start", run(std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()));
    }
    let keystore = meeting_e2e::keystore::OsKeystore::try_start();
    let mut again = std::process::Command::new(std::env::current_exe().unwrap_or_else(|_| "bench-start".into()));
    again.args(std::env::args_os().skip(1)).env(CHILD, "1").env_remove("DBUS_SESSION_BUS_ADDRESS");
    match &keystore {
        Ok(k) => {
            again.envs(k.env());
        }
        Err(why) => eprintln!("no OS keystore to measure: {why}"),
    }
    match again.status() {
        Ok(s) if s.success() => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("bench-start: running itself again: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Set in the run that measures (see `main`).
const CHILD: &str = "BENCH_START_MEASURING";

fn run(with_keystore: bool) -> anyhow::Result<bool> {
    let rounds = meeting_bench::arg_or("--rounds", 7);
    let work = tempfile::tempdir()?;
    let server = LocalServer::start(&work.path().join("server"))?;
    let rt = tokio::runtime::Runtime::new()?;
    let dir = work.path().join("laptop");
    rt.block_on(async {
        let prepared = Prepared::meeting(&server.url, "Phiên họp thường kỳ").await?;
        let font = meeting_server::demo::load_font()?;
        for i in 0..12 {
            let title = format!("Tài liệu {i}");
            let blocks = [meeting_server::demo::pdf::Block::Heading(title.clone())];
            let (pdf, _) = meeting_server::demo::pdf::render(&font, &title, &blocks, 2)?;
            prepared.upload(&format!("tai-lieu-{i}.pdf"), pdf).await?;
        }
        let p = meeting_client::Profile::open(&dir)?;
        p.login(&server.url, "leader", PASSWORD).await?;
        meeting_client::sync(&p, &meeting_client::SyncOptions::default(), &|_| {}).await?;
        anyhow::Ok(())
    })?;
    let pdf = meeting_client::pdf_service()?;
    let (mut password, mut pin, mut floor, mut keystore) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let held = meeting_client::Profile::open(&dir)?.keystore_state();
    anyhow::ensure!(
        !with_keystore || held == meeting_client::keystore::KeystoreState::Holds,
        "the login stored the key in the keystore ({held:?})"
    );
    for _ in 0..rounds {
        if with_keystore {
            // A cold start where the keystore holds the key: the session unlocks it.
            let t = Instant::now();
            let app = meeting_client::app::AppCore::new(meeting_client::Profile::open(&dir)?, pdf.clone());
            let s = app.session().map_err(|e| anyhow::anyhow!("{}", e.message))?;
            anyhow::ensure!(!s.locked, "the keystore's key opened the profile");
            app.meetings().map_err(|e| anyhow::anyhow!("{}", e.message))?;
            keystore.push(t.elapsed());
        }
        // A cold start: a new core on the profile, locked; the password opens it.
        let t = Instant::now();
        let profile = meeting_client::Profile::open(&dir)?;
        // (Where a keystore holds the key, this start is the one that does not use it.)
        profile.lock_for_pin();
        let app = meeting_client::app::AppCore::new(profile, pdf.clone());
        rt.block_on(app.unlock(PASSWORD)).map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let n = app.meetings().map_err(|e| anyhow::anyhow!("{}", e.message))?.len();
        password.push(t.elapsed());
        anyhow::ensure!(n == 1, "the meeting is listed");
        // Unlocked: the floor.
        let t = Instant::now();
        app.meetings().map_err(|e| anyhow::anyhow!("{}", e.message))?;
        floor.push(t.elapsed());
        // Idle lock, then the PIN.
        rt.block_on(app.set_pin("2468")).map_err(|e| anyhow::anyhow!("{}", e.message))?;
        app.lock();
        let t = Instant::now();
        rt.block_on(app.unlock_pin("2468")).map_err(|e| anyhow::anyhow!("{}", e.message))?;
        app.meetings().map_err(|e| anyhow::anyhow!("{}", e.message))?;
        pin.push(t.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (pw, pn, fl) = (median(&mut password), median(&mut pin), median(&mut floor));
    println!("start → meetings list with the password (Argon2id m=64 MiB t=3 p=4): {:.0} ms", ms(pw));
    println!("idle lock → meetings list with the PIN (m=16 MiB t=2 p=1):          {:.0} ms", ms(pn));
    println!("meetings list, already unlocked (floor):                             {:.2} ms", ms(fl));
    if with_keystore {
        println!(
            "start → meetings list with the key from the OS keystore (Secret Service): {:.0} ms",
            ms(median(&mut keystore))
        );
    } else {
        println!(
            "start with the OS keystore: not measured (no Secret Service here): the app asks for the password, as above"
        );
    }
    Ok(true)
}
