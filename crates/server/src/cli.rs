//! The `meeting-server` command line.

use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::{AppState, Config, demo};
use clap::{Parser, Subcommand};
use meeting_protocol::Role;

#[derive(Debug, Parser)]
#[command(
    name = "meeting-server",
    version,
    about = "Office server of the Paperless Meeting Room (Phòng họp không giấy)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (creates the data directory on first start).
    Serve(ServeArgs),
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the document files (blobs).
    Blobs {
        #[command(subcommand)]
        command: BlobsCommand,
    },
    /// Move an office from SQLite and files (its data directory) to PostgreSQL and an
    /// S3-compatible bucket: same server id and feed positions, devices need no resync.
    /// Stop the server first; rerunning after an interruption is safe.
    Migrate(MigrateArgs),
    /// The province's units that receive tasks (sở, ban, ngành, UBND huyện).
    Units {
        #[command(subcommand)]
        command: crate::cli_directory::UnitsCommand,
    },
    /// The office's days off (working-day deadlines skip them).
    Holidays {
        #[command(subcommand)]
        command: crate::cli_directory::HolidaysCommand,
    },
    /// Print the OpenAPI document of the API.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum BlobsCommand {
    /// Delete the files no document or conversion refers to any more (those of deleted
    /// meetings and documents). A running server does it every 6 hours by itself; this
    /// is safe while it runs.
    Sweep(SweepArgs),
}

/// Where an office's data is: for the server and every admin command that opens its
/// documents too.
#[derive(Debug, clap::Args)]
struct OfficeArgs {
    /// Holds server.db and blobs/ (unless --database and --blobs say otherwise) and the
    /// converter's scratch files.
    #[arg(long, env = "MEETING_DATA_DIR")]
    data_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    blobs: BlobArgs,
}

impl OfficeArgs {
    fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::new(&self.data_dir);
        config.database.clone_from(&self.database.database);
        config.blobs = self.blobs.location()?;
        Ok(config)
    }
}

#[derive(Debug, clap::Args)]
struct SweepArgs {
    #[command(flatten)]
    office: OfficeArgs,
    /// Leave alone files written more recently than this (e.g. 1h, 30m, 10s): an upload
    /// stores its file a moment before the document that names it.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    older_than: std::time::Duration,
    /// Count what would be deleted; delete nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, clap::Args)]
struct MigrateArgs {
    /// The data directory the office ran on (server.db and blobs/).
    #[arg(long)]
    from_sqlite: PathBuf,
    /// The new database: postgres://USER@HOST/DB, empty (the password in it or in
    /// PGPASSWORD).
    #[arg(long, env = "MEETING_DATABASE")]
    database: String,
    #[command(flatten)]
    blobs: BlobArgs,
}

/// Where blobs are kept, for every command that opens them.
#[derive(Debug, clap::Args)]
struct BlobArgs {
    /// Where document files are kept: s3://BUCKET[/PREFIX] in an S3-compatible store
    /// (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); without it,
    /// blobs/ in the data directory.
    #[arg(long, env = "MEETING_BLOBS")]
    blobs: Option<String>,
    /// The S3-compatible server's address, e.g. http://10.0.0.9:9000 (default: AWS).
    #[arg(long, env = "MEETING_S3_ENDPOINT", requires = "blobs")]
    s3_endpoint: Option<String>,
    /// The bucket's region (S3-compatible servers accept any).
    #[arg(long, env = "MEETING_S3_REGION", requires = "blobs")]
    s3_region: Option<String>,
    /// Reads from the bucket this process makes at once; more downloads wait their turn
    /// (and, after 10 s, are told to come back).
    #[arg(long, env = "MEETING_S3_READS", requires = "blobs", default_value_t = crate::blobs::DEFAULT_MAX_READS)]
    s3_reads: usize,
}

impl BlobArgs {
    fn location(&self) -> anyhow::Result<Option<crate::blobs::BlobLocation>> {
        let Some(url) = &self.blobs else { return Ok(None) };
        let mut s3 = crate::blobs::S3Location::parse(url, self.s3_endpoint.as_deref(), self.s3_region.as_deref())
            .map_err(anyhow::Error::msg)?;
        s3.max_reads = self.s3_reads.max(1);
        Ok(Some(crate::blobs::BlobLocation::S3(s3)))
    }
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    office: OfficeArgs,
    /// Address to listen on; port 0 picks a free port (printed at start-up).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Seed the demo office (once per data directory): users, meetings, documents.
    #[arg(long)]
    demo: bool,
    /// Seed only the demo office's users (leader1, leader2, secretary1, admin), no meetings.
    #[arg(long, conflicts_with = "demo")]
    demo_users: bool,
    /// Largest document upload, in MiB.
    #[arg(long, default_value_t = 512)]
    max_upload_mib: u64,
    /// The LibreOffice program that converts office files (default: soffice on PATH).
    #[arg(long, env = "MEETING_SOFFICE")]
    soffice: Option<PathBuf>,
    /// Accept PDFs only: no office-file conversion even where LibreOffice is installed.
    #[arg(long, conflicts_with = "soffice")]
    no_converter: bool,
    /// Office files converted at once.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=16))]
    convert_workers: u16,
    /// Longest one conversion may take, in seconds, before its processes are killed.
    #[arg(long, default_value_t = 180, value_parser = clap::value_parser!(u64).range(1..=3600))]
    convert_timeout_secs: u64,
    /// How long an office file being converted by an instance that stopped waits before
    /// another instance takes it over, in seconds (a running instance renews its claim).
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..=3600))]
    convert_lease_secs: u64,
    /// How long a device may keep normal documents without contacting the server
    /// (e.g. 30d, 12h, 90m, 45s); past it they are destroyed until the next sync.
    #[arg(long, default_value = "30d", value_parser = parse_duration)]
    lease_normal: std::time::Duration,
    /// The same for confidential documents.
    #[arg(long, default_value = "3d", value_parser = parse_duration)]
    lease_confidential: std::time::Duration,
}

/// `30d`, `12h`, `90m`, `45s` (or bare seconds) as a duration of at least one second.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = digits.parse().map_err(|_| format!("{text:?} is not a duration like 30d, 12h, 90m or 45s"))?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => return Err(format!("unknown unit {other:?} in {text:?}: use d, h, m or s")),
    };
    match n.checked_mul(scale) {
        Some(secs) if secs > 0 => Ok(std::time::Duration::from_secs(secs)),
        _ => Err(format!("{text:?} must be at least one second")),
    }
}

/// Where the office's data is, for every command that opens it.
#[derive(Debug, clap::Args)]
struct DatabaseArgs {
    /// The database: postgres://USER@HOST/DB (the password in it or in PGPASSWORD);
    /// without it, SQLite in the data directory.
    #[arg(long, env = "MEETING_DATABASE")]
    database: Option<String>,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        /// Holds server.db.
        #[arg(long, env = "MEETING_DATA_DIR")]
        data_dir: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Login name.
        #[arg(long)]
        username: String,
        /// leader, secretary, admin, or unit (a unit's staff: give --unit).
        #[arg(long, value_parser = ["leader", "secretary", "admin", "unit"])]
        role: String,
        /// The unit the user acts for, by code (required for --role unit).
        #[arg(long, required_if_eq("role", "unit"))]
        unit: Option<String>,
        /// Name shown to others; defaults to the username.
        #[arg(long)]
        display_name: Option<String>,
    },
}

/// Runs the command line; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::User { command: UserCommand::Add { data_dir, database, username, role, unit, display_name } } => {
            add_user(data_dir, database, &username, &role, unit.as_deref(), display_name)
        }
        Command::Units { command } => crate::cli_directory::units(command),
        Command::Holidays { command } => crate::cli_directory::holidays(command),
        Command::Blobs { command: BlobsCommand::Sweep(args) } => sweep_blobs(args),
        Command::Migrate(args) => migrate(&args),
        Command::Openapi => {
            serde_json::to_string_pretty(&crate::api::openapi()).map(|s| println!("{s}")).map_err(anyhow::Error::from)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("meeting-server: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs { listen, demo, demo_users, max_upload_mib, .. } = &args;
    let data_dir = &args.office.data_dir;
    let mut config = args.office.config()?;
    config.max_upload_bytes = max_upload_mib * 1024 * 1024;
    if args.no_converter {
        config.converter.program = None;
    } else if let Some(p) = &args.soffice {
        config.converter.program = Some(p.clone());
    }
    config.converter.workers = usize::from(args.convert_workers);
    config.converter.timeout = std::time::Duration::from_secs(args.convert_timeout_secs);
    config.converter.lease = std::time::Duration::from_secs(args.convert_lease_secs);
    config.lease_normal = args.lease_normal;
    config.lease_confidential = args.lease_confidential;
    let (listen, data_dir, demo, demo_users) = (listen.clone(), data_dir.clone(), *demo, *demo_users);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        // Opening and seeding block (the database's clients are synchronous) and may use
        // the bucket's async client: a blocking thread of this runtime does both.
        let mut state = tokio::task::spawn_blocking(move || -> anyhow::Result<AppState> {
            let state = AppState::open(config)?;
            if demo || demo_users {
                let seeded = if demo { demo::seed(&state)? } else { demo::seed_users(&state)? };
                if seeded.fresh {
                    eprintln!("Seeded the demo office: {} meetings, {} documents.", seeded.meetings, seeded.documents);
                }
                let names: Vec<&str> = demo::USERS.iter().map(|u| u.0).collect();
                eprintln!("Demo users: {} — password for all: {}", names.join(", "), demo::PASSWORD);
            }
            Ok(state)
        })
        .await??;
        state.start_converter().await?;
        state.start_room().await?;
        crate::blobs::sweep::start(&state);
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr()?;
        // Tests and scripts read this exact line to learn the port.
        println!("meeting-server listening on http://{addr}");
        tracing::info!(data_dir = %data_dir.display(), database = %state.db.describe(), blobs = %state.blobs.describe(), %addr, "serving");
        crate::serve(listener, state, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn sweep_blobs(args: SweepArgs) -> anyhow::Result<()> {
    let config = args.office.config()?;
    let (grace, dry_run) = (args.older_than, args.dry_run);
    let rt = tokio::runtime::Runtime::new()?;
    let s = rt.block_on(async move {
        let state = tokio::task::spawn_blocking(move || AppState::open(config)).await??;
        anyhow::Ok(crate::blobs::sweep::sweep(&state, grace, dry_run).await?)
    })?;
    let (vi, en) = if dry_run { ("sẽ xóa", "would delete") } else { ("đã xóa", "deleted") };
    println!(
        "Tệp không còn tài liệu nào dùng: {vi} {}; giữ {} tệp đang dùng, {} tệp mới ghi.",
        s.removed, s.kept, s.young
    );
    println!("Files no document uses: {en} {}; kept {} in use, {} written recently.", s.removed, s.kept, s.young);
    Ok(())
}

fn migrate(args: &MigrateArgs) -> anyhow::Result<()> {
    let blobs = args.blobs.location()?.unwrap_or_else(|| {
        // Without a bucket the files stay where they are: only the database moves.
        crate::blobs::BlobLocation::Files(args.from_sqlite.join("blobs"))
    });
    let target = crate::migrate::Target { database: args.database.clone(), blobs };
    let rt = tokio::runtime::Runtime::new()?;
    let moved = rt.block_on(crate::migrate::run(&args.from_sqlite, &target, |line| eprintln!("{line}")))?;
    let server_id = moved.copied.server_id.as_deref().unwrap_or("?");
    let rows: u64 = moved.copied.tables.iter().map(|t| t.1).sum();
    eprintln!(
        "Đã chuyển văn phòng {server_id}: {} tệp ({}), {rows} dòng, sổ thay đổi ở vị trí {}. \
         Máy trạm tiếp tục đồng bộ, không tải lại. / Moved office {server_id}: {} files, {rows} rows, \
         feed at {}; devices go on syncing without a resync.",
        moved.blobs,
        crate::migrate::megabytes(moved.bytes),
        moved.copied.head,
        moved.blobs,
        moved.copied.head
    );
    eprintln!("Giờ hãy chạy / now run: meeting-server serve --database … --blobs … (see docs/postgres-s3.md)");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

fn add_user(
    data_dir: PathBuf,
    database: DatabaseArgs,
    username: &str,
    role: &str,
    unit: Option<&str>,
    display_name: Option<String>,
) -> anyhow::Result<()> {
    let role = Role::parse(role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
    let username = username.trim().to_owned();
    if username.is_empty() || username.len() > 100 || username.chars().any(|c| c.is_whitespace() || c.is_control()) {
        anyhow::bail!("username must be 1-100 characters without spaces");
    }
    let password = if std::io::stdin().is_terminal() {
        rpassword_prompt()?
    } else {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s.trim_end_matches(['\n', '\r']).to_owned()
    };
    if password.is_empty() {
        anyhow::bail!(
            "the password is empty: pipe it on standard input, e.g. `echo 'secret' | meeting-server user add ...`"
        );
    }
    let mut config = Config::new(&data_dir);
    config.database = database.database;
    let state = AppState::open(config)?;
    let display = display_name.unwrap_or_else(|| username.clone());
    crate::create_user_for(&state, &username, &display, role, unit, &password)?;
    match unit {
        Some(unit) => eprintln!("Added {} {username} of unit {unit}.", role.as_str()),
        None => eprintln!("Added {} {username}.", role.as_str()),
    }
    Ok(())
}

fn rpassword_prompt() -> anyhow::Result<String> {
    Ok(rpassword::prompt_password("Password: ")?)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn lease_lengths_read_like_an_office_writes_them() {
        assert_eq!(super::parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(super::parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(super::parse_duration("90"), Ok(Duration::from_secs(90)));
        assert!(super::parse_duration("0s").is_err());
        assert!(super::parse_duration("3 weeks").is_err());
        assert!(super::parse_duration("99999999999999999d").is_err());
    }
}
