//! The office server of the Paperless Meeting Room.
//!
//! It owns the authoritative state of the office: users and device sessions, meetings
//! with their agenda, participants and documents, the immutable document blobs (named by
//! SHA-256), and the ordered change feed from which every client builds its offline copy.
//!
//! Layout: [`core`] (every change: checks, feed, audit — what the handlers call),
//! [`store`] (SQLite or PostgreSQL: pool, transactions, write discipline, migrations, and the SQL of each aggregate), [`model`] (who may see or change a meeting),
//! [`feed`] (the change log), [`blobs`] (content-addressed store), [`convert`] (the
//! LibreOffice service), [`auth`] (passwords, tokens), [`login_guard`] (failed logins), [`api`] (HTTP
//! handlers and the OpenAPI document), [`demo`] (the explorable demo office), [`migrate`] (moving an office to
//! PostgreSQL and a bucket), [`cli`] (the `meeting-server` binary).
//!
//! The access rule everywhere: only participants of a meeting may learn anything about
//! it. Everyone else gets the same 404 an unknown id gets.

pub mod api;
pub mod auth;
pub mod blobs;
pub mod cli;
mod cli_directory;
pub mod convert;
pub mod core;
pub mod demo;
pub mod error;
pub mod feed;
pub mod login_guard;
pub mod migrate;
pub mod model;
pub mod official;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

pub use error::{AppError, AppResult};

/// Largest JSON body accepted (uploads stream separately under `max_upload_bytes`).
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Holds `server.db` and `blobs/` (unless [`Config::database`] names another
    /// database), and the converter's scratch space.
    pub data_dir: PathBuf,
    /// The database's address (`postgres://USER@HOST/DB`); `None`: SQLite in `data_dir`.
    pub database: Option<String>,
    /// Where document blobs are kept; `None`: `blobs/` in `data_dir`.
    pub blobs: Option<blobs::BlobLocation>,
    /// Largest document upload in bytes.
    pub max_upload_bytes: u64,
    /// How long a device token stays valid.
    pub token_ttl: Duration,
    /// Failed logins of one user from one address before that pair is locked out (the
    /// user everywhere after four times as many; see [`login_guard`]).
    pub login_max_failures: usize,
    /// Window of the failed-login count and length of the lock-out.
    pub login_window: Duration,
    /// The office-file converter.
    pub converter: convert::ConverterConfig,
    /// How long a device may keep normal documents without contact.
    pub lease_normal: Duration,
    /// How long a device may keep confidential documents without contact.
    pub lease_confidential: Duration,
}

impl Config {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Self {
            converter: convert::ConverterConfig::new(data_dir.join("convert")),
            data_dir,
            database: None,
            blobs: None,
            max_upload_bytes: 512 * 1024 * 1024,
            token_ttl: Duration::from_secs(90 * 24 * 3600),
            login_max_failures: 5,
            login_window: Duration::from_secs(15 * 60),
            lease_normal: Duration::from_secs(30 * 24 * 3600),
            lease_confidential: Duration::from_secs(3 * 24 * 3600),
        }
    }
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: store::Db,
    /// The blob store.
    pub blobs: blobs::BlobStore,
    /// Settings.
    pub config: Arc<Config>,
    /// Failed-login guard.
    pub limiter: Arc<login_guard::LoginGuard>,
    /// Identity of this database, handed to clients in every feed page.
    pub server_id: Uuid,
    /// The office-file converter (unavailable until [`AppState::start_converter`]).
    pub converter: convert::Converter,
    /// This process, among the instances serving one database (conversion claims).
    pub instance_id: Uuid,
    /// Ballots waiting to be cast together.
    pub ballots: core::ballot_box::Queue,
}

impl AppState {
    /// Opens (creating on first start) the data directory.
    pub fn open(config: Config) -> AppResult<Self> {
        std::fs::create_dir_all(&config.data_dir)?;
        let db = store::Db::open(&store::Location::from_flag(config.database.as_deref(), &config.data_dir)?)?;
        let files = blobs::BlobLocation::Files(config.data_dir.join("blobs"));
        let blobs =
            blobs::BlobStore::open(config.blobs.as_ref().unwrap_or(&files), &config.data_dir.join("blobs/tmp"))?;
        let server_id = db.run_blocking(crate::store::Mode::Write, |tx| {
            use crate::store::meta;
            match meta::get(tx, meta::SERVER_ID)? {
                Some(text) => Uuid::parse_str(&text)
                    .map_err(|e| AppError::Stored(format!("the server id {text:?} is not an id: {e}"))),
                None => {
                    let id = Uuid::now_v7();
                    meta::set_once(tx, meta::SERVER_ID, &id.to_string())?;
                    Ok(id)
                }
            }
        })?;
        let limiter = Arc::new(login_guard::LoginGuard::new(
            login_guard::LoginPolicy::new(config.login_max_failures, config.login_window),
            db.clone(),
        ));
        Ok(Self {
            db,
            blobs,
            config: Arc::new(config),
            limiter,
            server_id,
            converter: convert::Converter::unavailable(),
            instance_id: Uuid::now_v7(),
            ballots: core::ballot_box::Queue::default(),
        })
    }

    /// Starts the converter's workers (needs a Tokio runtime) and resumes the
    /// conversions a stopped server left unfinished.
    pub async fn start_converter(&mut self) -> AppResult<()> {
        self.converter = convert::Converter::start(self.config.converter.clone());
        let resumed = core::conversions::resume_pending(self).await?;
        if resumed > 0 {
            tracing::info!(resumed, "resumed unfinished conversions");
        }
        Ok(())
    }

    /// Readies the meeting room for serving: hears other instances' commits (on
    /// PostgreSQL), voids the secret votes an older version left open and closes timed
    /// votes on time (needs a Tokio runtime).
    pub async fn start_room(&self) -> AppResult<()> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.listen_for_commits()).await?;
        core::ballot_box::start(self).await
    }
}

/// Adds a user account (the `user add` command; tools and benchmarks).
pub fn create_user(
    state: &AppState,
    username: &str,
    display_name: &str,
    role: meeting_protocol::Role,
    password: &str,
) -> AppResult<meeting_protocol::User> {
    create_user_for(state, username, display_name, role, None, password)
}

/// Adds a user acting for a unit (by code) — a unit's staff (`Role::Unit`) must act for
/// one; others may (a department head who is also a leader) or not.
pub fn create_user_for(
    state: &AppState,
    username: &str,
    display_name: &str,
    role: meeting_protocol::Role,
    unit_code: Option<&str>,
    password: &str,
) -> AppResult<meeting_protocol::User> {
    if role == meeting_protocol::Role::Unit && unit_code.is_none() {
        return Err(AppError::bad_request("a unit's staff act for a unit: name it (--unit CODE)"));
    }
    let hash = auth::hash_password(password)?;
    let user = meeting_protocol::User {
        id: Uuid::now_v7(),
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        role,
    };
    let (u, code) = (user.clone(), unit_code.map(str::to_owned));
    state.db.run_blocking(crate::store::Mode::Write, move |tx| {
        let unit = match &code {
            Some(code) => Some(
                crate::store::units::by_code(tx, code)?
                    .ok_or_else(|| AppError::bad_request(format!("no unit has the code {code:?}")))?
                    .id,
            ),
            None => None,
        };
        if crate::store::users::insert(tx, &u, &hash, unit.as_ref(), time::OffsetDateTime::now_utc())? {
            Ok(())
        } else {
            Err(AppError::conflict(format!("a user named {} already exists", u.username)))
        }
    })?;
    Ok(user)
}

/// Inserts a user unless the username is taken; returns whether it was inserted.
pub(crate) fn insert_user(tx: &crate::store::Tx<'_>, u: &meeting_protocol::User, hash: &str) -> AppResult<bool> {
    Ok(crate::store::users::insert(tx, u, hash, None, time::OffsetDateTime::now_utc())?)
}

/// Serves the API on `listener` until `shutdown` resolves, then finishes in-flight
/// requests and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = api::router(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
