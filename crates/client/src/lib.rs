//! The client engine of the Paperless Meeting Room: everything a leader's device does
//! except drawing pixels.
//!
//! It owns a *profile* directory: the local SQLite store ([`store`]) with the meetings
//! the user takes part in, the session and the sync cursor; and the verified blob cache
//! ([`blobs`]) holding each document's PDF. [`sync::sync`] pulls the server's change
//! feed into the store, purges what the user may no longer see, and fetches document
//! content with resumable, hash-verified downloads, so that a meeting opens with the
//! network unplugged. The secretary workspace ([`prepare`], [`hotfolder`],
//! [`opinions`]) talks to the server for what must be done online. The `meeting` CLI
//! (crate `meeting-cli`) and the desktop app drive this same engine.

pub mod anchor;
pub mod annotations;
pub mod api;
pub mod app;
pub mod blob_sink;
pub mod blobs;
pub mod carry;
pub mod drafts;
pub mod error;
pub mod export;
pub mod find;
pub mod fold;
pub mod hotfolder;
pub mod keystore;
pub(crate) mod kinds;
pub mod lease;
pub mod live;
pub mod mark_search;
pub mod minutes;
pub mod online;
pub mod opens;
pub mod opinions;
pub mod pixel_socket;
pub mod prepare;
pub mod resident;
pub mod room;
pub mod search;
pub mod seen;
pub mod store;
pub mod store_pool;
pub mod sync;
pub mod tasks;
pub mod tasks_export;
pub mod vault;
pub mod watermark;
pub mod wipe;

use std::fs::File;
use std::path::{Path, PathBuf};

use meeting_protocol::LoginResponse;
use zeroize::Zeroizing;

pub use error::{ClientError, Result};

/// First argument that turns the `meeting` binary (or the desktop app) into a PDF
/// worker process.
pub const PDF_WORKER_ARG: &str = "pdf-worker";

/// The standalone worker executable, looked for beside the running program.
pub const PDF_WORKER_BIN: &str = "meeting-pdf-worker";

/// How this program starts its PDF worker: the standalone [`PDF_WORKER_BIN`] beside it
/// when there is one, else itself with [`PDF_WORKER_ARG`]. The standalone worker links
/// pdfium only; the desktop app's own binary also maps WebKit, GTK, JavaScriptCore and
/// their relocated data, ~15–20 MB the worker never uses (`bench-reader --smaps`).
/// `scripts/build-app` builds both, so they come from the same sources.
pub fn pdf_worker() -> Result<meeting_pdf::WorkerCommand> {
    let program = std::env::current_exe().map_err(ClientError::io("finding the program's own path"))?;
    let standalone = program.with_file_name(format!("{PDF_WORKER_BIN}{}", std::env::consts::EXE_SUFFIX));
    Ok(if standalone.is_file() {
        meeting_pdf::WorkerCommand { program: standalone, args: Vec::new() }
    } else {
        meeting_pdf::WorkerCommand { program, args: vec![PDF_WORKER_ARG.into()] }
    })
}

/// A PDF service whose worker is started as [`pdf_worker`] says.
pub fn pdf_service() -> Result<meeting_pdf::PdfService> {
    Ok(meeting_pdf::PdfService::start(pdf_worker()?, meeting_pdf::ServiceOptions::default()))
}
pub use sync::{SyncOptions, SyncProgress, SyncReport, VerifyReport, sync, verify};

use api::Api;
use blobs::BlobCache;
use store::Store;

/// A profile directory: one user's session and offline copy on this device. Clones
/// share the unlocked keys ([`vault`]).
#[derive(Debug, Clone)]
pub struct Profile {
    dir: PathBuf,
    slot: vault::KeySlot,
}

/// A held lock on a profile's sync; released on drop.
#[derive(Debug)]
pub struct SyncLock(#[allow(dead_code)] File);

impl Profile {
    /// Where the profile lives unless told otherwise: `$MEETING_PROFILE`, else
    /// `$XDG_DATA_HOME/phonghop` (`~/.local/share/phonghop`). The CLI and the desktop app
    /// share it, so a profile prepared with one opens in the other.
    pub fn default_dir() -> PathBuf {
        if let Some(p) = std::env::var_os("MEETING_PROFILE") {
            return p.into();
        }
        let base = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).unwrap_or_else(|| {
            std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join(".local/share")
        });
        base.join("phonghop")
    }

    /// Opens (creating) the profile at `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(ClientError::io(format!("creating profile {}", dir.display())))?;
        Ok(Self { dir: dir.to_owned(), slot: vault::KeySlot::default() })
    }

    /// The profile directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The profile's database file (encrypted).
    pub fn db_path(&self) -> PathBuf {
        self.dir.join("client.db")
    }

    /// A connection to the profile's store, keyed with the device's database key (asks
    /// for the password when locked, see [`Profile::keys`]); connections stay open for
    /// the life of the unlocked profile ([`store_pool`]).
    pub fn store(&self) -> Result<store_pool::StoreGuard> {
        let keys = self.keys()?;
        let pool = &self.slot.stores;
        let (idle, generation) = pool.take();
        let store = match idle {
            Some(s) => s,
            None => Store::open(&self.db_path(), &keys.database())?,
        };
        Ok(pool.guard(store, generation, self.dir.join(vault::KEYS_FILE)))
    }

    /// Opens the profile's blob cache (its documents open with this profile's keys).
    pub fn blobs(&self) -> Result<BlobCache> {
        BlobCache::open(&self.dir.join("blobs"), self.clone())
    }

    /// An API client with this profile's session.
    pub fn api(&self, store: &Store) -> Result<Api> {
        let url = store.meta("server_url")?.ok_or(ClientError::NotLoggedIn)?;
        let token = store.meta("token")?.ok_or(ClientError::NotLoggedIn)?;
        Api::new(&url, Some(token))
    }

    /// Takes the profile's sync lock, failing at once if another sync holds it.
    pub fn lock(&self) -> Result<SyncLock> {
        let path = self.dir.join("sync.lock");
        let f = File::create(&path).map_err(ClientError::io(format!("creating {}", path.display())))?;
        match f.try_lock() {
            Ok(()) => Ok(SyncLock(f)),
            Err(std::fs::TryLockError::WouldBlock) => Err(ClientError::Busy),
            Err(std::fs::TryLockError::Error(e)) => Err(ClientError::io(format!("locking {}", path.display()))(e)),
        }
    }

    /// Logs in and stores the session. Logging in as another user or to another
    /// server first wipes the previous user's data from this profile: one person's
    /// meetings never stay readable under another's login.
    pub async fn login(&self, server_url: &str, username: &str, password: &str) -> Result<LoginResponse> {
        self.login_keeping(server_url, username, password, None).await
    }

    /// [`Profile::login`], with this device's previous password for when the password
    /// was changed on the server while changes made here wait to be sent
    /// ([`ClientError::OldPasswordNeeded`]): the keys are wrapped again, nothing is lost.
    pub async fn login_keeping(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        old_password: Option<&str>,
    ) -> Result<LoginResponse> {
        let api = Api::new(server_url, None)?;
        let device = format!("{} ({})", hostname(), std::env::consts::OS);
        let resp = api.login(username, password, &device).await?;
        let _lock = self.lock()?;
        // Argon2id takes a while by design: off the async threads. (A user of another
        // server has another id: user ids are random UUIDs.)
        let me = self.clone();
        let uid = resp.user.id.to_string();
        let (pw, old) = (Zeroizing::new(password.to_owned()), old_password.map(|p| Zeroizing::new(p.to_owned())));
        let keys = tokio::task::spawn_blocking(move || {
            let at = me.keys_at_login(&uid, &pw, old.as_ref().map(|p| p.as_str()))?;
            // A second copy of the key for the next start, where the OS has a keystore.
            me.keystore_after_login()?;
            Ok::<_, ClientError>(at)
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("making the device's keys: {e}")))??;
        let mut store = self.store()?;
        if keys == vault::AtLogin::Fresh {
            // New keys removed every cached copy; a store kept from a version before
            // encryption must not still count them as on the device.
            for (sha, _) in store.verified_blobs()? {
                store.forget_blob(&sha)?;
            }
        }
        // A store left plain by a version before encryption (now encrypted in place)
        // may still be another user's.
        let same_user = store.meta("user_id")?.as_deref() == Some(&resp.user.id.to_string())
            && store.meta("server_url")?.as_deref() == Some(api.base());
        if !same_user && store.meta("user_id")?.is_some() {
            let unsynced = store.unsynced_changes()?;
            if unsynced > 0 {
                return Err(ClientError::UnsyncedAnnotations(unsynced));
            }
            store.reset_all()?;
            self.blobs()?.remove_unreferenced(&Default::default())?;
        }
        store.set_meta("server_url", Some(api.base()))?;
        store.set_meta("token", Some(&resp.token))?;
        store.set_meta("user_id", Some(&resp.user.id.to_string()))?;
        store.set_meta("username", Some(&resp.user.username))?;
        store.set_meta("display_name", Some(&resp.user.display_name))?;
        store.set_meta("role", Some(resp.user.role.as_str()))?;
        self.set_account(Some(vault::Account {
            server_url: api.base().to_owned(),
            username: resp.user.username.clone(),
            display_name: resp.user.display_name.clone(),
            role: resp.user.role.as_str().to_owned(),
        }))?;
        Ok(resp)
    }

    /// Ends the session on the server (best effort when offline) and forgets it here.
    /// The offline copy stays (encrypted) until another user logs in.
    pub async fn logout(&self) -> Result<()> {
        if !self.is_unlocked() {
            // From the lock screen: the token is in the encrypted store, out of reach;
            // the next login replaces it (and the server lets it expire).
            self.forget_keystore()?;
            return self.set_account(None);
        }
        let store = self.store()?;
        if let Ok(api) = self.api(&store) {
            match api.logout().await {
                Ok(()) | Err(ClientError::SessionExpired) | Err(ClientError::Unreachable { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        store.set_meta("token", None)?;
        drop(store);
        // Logged out, the app must not start unlocked: only the password opens the keys.
        self.forget_keystore()?;
        self.set_account(None)?;
        self.lock_keys();
        Ok(())
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_owned()).unwrap_or_else(|_| "device".into())
}
