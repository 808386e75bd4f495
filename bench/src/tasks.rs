//! `bench-tasks`: the after-meeting chain at an office's size.
//!
//! 10,000 tasks given to 40 units over 3 years (each with its history), then: the
//! dashboard's figures for a year on the server (`GET /tasks/stats`, p50 of 20), every
//! task onto a fresh laptop (login + a full sync), and the laptop's own figures from its
//! copy (`Store::task_stats`, what the app's dashboard computes when it opens, p50 of
//! 20); a meeting of 30 items and 200 speaker turns: its minutes' draft built from the
//! record (p50 of 10) and their PDF (p50 of 5).
//! Targets (issue 32): figures ≤ 50 ms, sync ≤ 2 s, the laptop's figures ≤ 150 ms, the
//! draft ≤ 100 ms, the PDF ≤ 1 s. `--quick`: 500 tasks, 5 items, 20 turns, not judged.
//! `cargo run --release -p meeting-bench --bin bench-tasks`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use meeting_bench::PASSWORD;
use meeting_protocol::{
    EntityKind, FloorInput, ParticipantRole, Role, SpeakRequest, TaskEvent, TaskEventKind, TaskSource, TaskState, Unit,
};
use meeting_server::auth::AuthUser;
use meeting_server::store::Mode;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

fn main() -> ExitCode {
    meeting_bench::exit("bench-tasks", run())
}

fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The tasks of 3 years: assigned on days spread over them, half with a deadline a month
/// later; most done (on time or late), some open, some returned.
fn seed_tasks(state: &meeting_server::AppState, n: usize, by: &str) -> anyhow::Result<()> {
    let start = Date::from_calendar_date(2023, time::Month::January, 2)?;
    state.db.run_blocking(Mode::Write, |tx| {
        let units: Vec<Unit> = (0..40)
            .map(|i| Unit { id: Uuid::now_v7(), code: format!("DV{i:02}"), name: format!("Sở số {i}") })
            .collect();
        for u in &units {
            meeting_server::store::units::insert(tx, u, OffsetDateTime::now_utc())?;
        }
        let at = OffsetDateTime::now_utc();
        for i in 0..n {
            let assigned_on = start + time::Duration::days((i * 1095 / n.max(1)) as i64);
            let deadline = (i % 5 != 0).then(|| assigned_on + time::Duration::days(30));
            let id = Uuid::now_v7();
            let lead = &units[i % units.len()];
            let co = [units[(i + 7) % units.len()].id];
            meeting_server::store::tasks::insert(
                tx,
                &meeting_server::store::tasks::NewTask {
                    id,
                    content: &format!("Nhiệm vụ số {i}: hoàn thiện hồ sơ và báo cáo kết quả thực hiện"),
                    source: &TaskSource::Other,
                    lead_unit: &lead.id,
                    co_units: &co,
                    deadline,
                    leader_id: None,
                    assigned_on,
                    created_by: by,
                    at,
                },
            )?;
            let event = |kind, text: &str| TaskEvent {
                id: Uuid::now_v7(),
                kind,
                text: text.into(),
                by: Uuid::parse_str(by).unwrap_or_default(),
                by_name: String::new(),
                at,
                previous_deadline: None,
                deadline: None,
            };
            meeting_server::store::tasks::add_event(tx, &id, &event(TaskEventKind::Assigned, ""))?;
            let (state, done_on) = match i % 10 {
                0..=5 => (TaskState::Completed, Some(assigned_on + time::Duration::days(20))),
                6 => (TaskState::Completed, Some(assigned_on + time::Duration::days(45))),
                7 => (TaskState::Reported, Some(assigned_on + time::Duration::days(25))),
                _ => (TaskState::Open, None),
            };
            if state != TaskState::Open {
                meeting_server::store::tasks::add_event(tx, &id, &event(TaskEventKind::Reported, "Đã hoàn thành"))?;
            }
            if state == TaskState::Completed {
                meeting_server::store::tasks::add_event(tx, &id, &event(TaskEventKind::Confirmed, ""))?;
            }
            meeting_server::store::tasks::set_state(tx, &id, state, done_on, deadline, at)?;
            let key = id.to_string();
            meeting_server::feed::record(tx, "tasks", EntityKind::Task, &key, None)?;
            meeting_server::feed::record(tx, &format!("unit:{}", lead.id), EntityKind::Task, &key, None)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A meeting of `items` items and `turns` speaker turns spread over them, held in the
/// room through the core (the same calls the HTTP handlers make).
fn hold_meeting(
    state: &meeting_server::AppState,
    sec: &AuthUser,
    leader: Uuid,
    items: usize,
    turns: usize,
) -> anyhow::Result<Uuid> {
    let mid = state.db.run_blocking(Mode::Write, |tx| {
        let input = meeting_protocol::MeetingInput {
            title: Some("Phiên họp thường kỳ".into()),
            starts_at: Some(OffsetDateTime::now_utc()),
            ..Default::default()
        };
        let m = meeting_server::core::meetings::create(tx, sec, &input)?;
        meeting_server::core::meetings::set_participant(tx, sec, m.id, leader, ParticipantRole::Chair)?;
        meeting_server::core::meetings::publish(tx, sec, m.id)?;
        Ok(m.id)
    })?;
    let m = mid.to_string();
    for i in 0..items {
        let item = state.db.run_blocking(Mode::Write, |tx| {
            let input = meeting_protocol::AgendaItemInput {
                title: Some(format!("Nội dung {}", i + 1)),
                ..Default::default()
            };
            meeting_server::core::meetings::create_item(tx, sec, mid, &input)
        })?;
        state
            .db
            .run_blocking(Mode::Write, |tx| meeting_server::core::room::set_current_item(tx, sec, &m, Some(item.id)))?;
        // The turns spread over the items, the first items taking the remainder.
        let here = turns / items.max(1) + usize::from(i < turns % items.max(1));
        for _ in 0..here {
            state.db.run_blocking(Mode::Write, |tx| {
                meeting_server::core::speakers::ask(tx, sec, &m, &SpeakRequest { point_of_order: false })?;
                meeting_server::core::speakers::give_floor(tx, sec, &m, &FloorInput { speaker_id: None })?;
                meeting_server::core::speakers::end_floor(tx, sec, &m)?;
                Ok(())
            })?;
        }
    }
    Ok(mid)
}

fn run() -> anyhow::Result<bool> {
    let quick = meeting_bench::quick();
    let (n, items, turns) = if quick { (500, 5, 20) } else { (10_000, 30, 200) };
    let work = tempfile::tempdir()?;
    let state = meeting_server::AppState::open(meeting_server::Config::new(work.path().join("server")))?;
    let sec_user = meeting_server::create_user(&state, "secretary", "Thư ký", Role::Secretary, PASSWORD)?;
    let leader = meeting_server::create_user(&state, "leader", "Lãnh đạo", Role::Leader, PASSWORD)?;
    let seeding = Instant::now();
    seed_tasks(&state, n, &sec_user.id.to_string())?;
    println!("seeded {n} tasks of 40 units over 3 years in {:.1} s", seeding.elapsed().as_secs_f64());
    let sec = AuthUser { user: sec_user, token_id: Uuid::now_v7() };
    let mid = hold_meeting(&state, &sec, leader.id, items, turns)?;

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}", listener.local_addr()?);
    rt.spawn(meeting_server::serve(listener, state.clone(), std::future::pending()));

    let (figures, sync_took, local) = rt.block_on(async {
        let http = reqwest::Client::new();
        let login: serde_json::Value = http
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "leader", "password": PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        let token = login["token"].as_str().unwrap_or_default().to_owned();
        let mut figures = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let r = http
                .get(format!("{url}/api/v1/tasks/stats?from=2024-01-01&to=2024-12-31"))
                .bearer_auth(&token)
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "stats: {}", r.status());
            let _ = r.bytes().await?;
            figures.push(t.elapsed());
        }
        let laptop = meeting_client::Profile::open(&work.path().join("laptop"))?;
        laptop.login(&url, "leader", PASSWORD).await?;
        let t = Instant::now();
        meeting_client::sync(&laptop, &meeting_client::SyncOptions::default(), &|_| {}).await?;
        let sync_took = t.elapsed();
        let store = laptop.store()?;
        let on_laptop = store.tasks()?.len();
        anyhow::ensure!(on_laptop == n, "the laptop has {on_laptop} of {n} tasks");
        let mut local = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let from = Date::from_calendar_date(2024, time::Month::January, 1)?;
            let to = Date::from_calendar_date(2024, time::Month::December, 31)?;
            store.task_stats(Some(from), Some(to), None)?;
            local.push(t.elapsed());
        }
        anyhow::Ok((p50(figures), sync_took, p50(local)))
    })?;

    let mut drafts = Vec::new();
    let mut minutes = None;
    for _ in 0..10 {
        let t = Instant::now();
        minutes = Some(state.db.run_blocking(Mode::Write, |tx| meeting_server::core::minutes::draft(tx, &sec, mid))?);
        drafts.push(t.elapsed());
    }
    let minutes = minutes.ok_or_else(|| anyhow::anyhow!("no draft"))?;
    let spoken: usize = minutes.items.iter().map(|i| i.speeches.len()).sum();
    anyhow::ensure!(spoken == turns, "the draft holds {spoken} of {turns} turns");
    let mut pdfs = Vec::new();
    let mut pages = 0;
    for _ in 0..5 {
        let t = Instant::now();
        pages = meeting_server::official::minutes_pdf(&minutes)?.1;
        pdfs.push(t.elapsed());
    }
    let (draft, pdf) = (p50(drafts), p50(pdfs));

    println!("figures of a year, server (GET /tasks/stats, p50): {}   target ≤ 50 ms", ms(figures));
    println!("every task onto a fresh laptop (login + sync): {:.2} s   target ≤ 2 s", sync_took.as_secs_f64());
    println!("figures on the laptop, from its copy (p50): {}   target ≤ 150 ms", ms(local));
    println!("minutes' draft, {items} items and {spoken} turns (p50): {}   target ≤ 100 ms", ms(draft));
    println!("their PDF, {pages} pages (p50): {}   target ≤ 1 s", ms(pdf));
    if quick {
        return Ok(true);
    }
    Ok(figures <= Duration::from_millis(50)
        && sync_took <= Duration::from_secs(2)
        && local <= Duration::from_millis(150)
        && draft <= Duration::from_millis(100)
        && pdf <= Duration::from_secs(1))
}
