//! The device's keys: made at login, kept wrapped in the profile, held in memory only
//! while the app is unlocked.
//!
//! `keys.json` holds the device's random master key wrapped by the user's password
//! (Argon2id, see `meeting_seal::wrap`); nothing in the profile opens it without the
//! password. The keys of the local database (SQLCipher) and of cached documents derive
//! from the master key. At login the password has just been checked by the server, so
//! it unwraps the existing file, or makes a new one (first login on this device, another
//! user, or a password changed on the server: the old database and copies cannot be
//! opened any more, so they are dropped and fetched again — unless changes of this
//! device wait to be sent, see [`ClientError::OldPasswordNeeded`]). After a restart the
//! app asks for the password to unlock; the CLI reads `MEETING_PASSWORD` or asks on the
//! terminal (see [`Profile::set_password_prompt`]). Locking drops the keys and closes
//! the database's connections (keys are zeroized when the last user lets go).
//!
//! Besides the wrapped key, `keys.json` keeps, in clear, only what the lock screen shows
//! before the database can be read (server, username, display name, role) and how many
//! changes waited to be sent when the keys were last held (so that another user's login
//! on a locked device can refuse to discard them without reading the database).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use meeting_seal::{KdfParams, Key32, MasterKey, Purpose, SealError, Wrapped};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keystore::{self, KeystoreRef, KeystoreState};
use crate::{ClientError, Profile, Result};

/// The file of wrapped keys in a profile.
pub const KEYS_FILE: &str = "keys.json";

#[derive(Debug, Serialize, Deserialize)]
struct KeysFile {
    version: u32,
    /// Whose keys these are (a login as another user makes new ones).
    user_id: String,
    /// The master key under the user's password.
    password: Wrapped,
    /// Who is logged in, for the lock screen; `None` after a logout.
    #[serde(default)]
    account: Option<Account>,
    /// Changes (annotations, opens) not yet sent when last counted.
    #[serde(default)]
    unsynced: usize,
    /// The OS keystore's copy of the master key, if one was stored (see
    /// [`crate::keystore`]).
    #[serde(default)]
    keystore: Option<KeystoreRef>,
}

/// What the lock screen shows of the logged-in user (nothing secret: no token).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// The server.
    pub server_url: String,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role's wire name.
    pub role: String,
}

/// What a login did to the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AtLogin {
    /// The keys already here were opened: the store and copies stay.
    Kept,
    /// New keys: the old store and copies are unreadable and were removed.
    Fresh,
}

/// The unlocked keys of this device.
#[derive(Debug)]
pub struct DeviceKeys {
    master: MasterKey,
}

impl DeviceKeys {
    /// The key of cached documents of a confidentiality level, under the level's lease
    /// secret from the server (see [`crate::lease`]): without the secret, the master key
    /// alone opens none of them.
    pub fn documents(&self, level: u8, lease_secret: &[u8]) -> Key32 {
        self.master.derive(Purpose::Documents(level), lease_secret)
    }

    /// The key of the local database.
    pub fn database(&self) -> Key32 {
        self.master.derive(Purpose::Database, b"")
    }
}

/// Asks the user for the password when keys are needed and the profile is locked
/// (`None`: no answer, stay locked).
pub type PasswordPrompt = dyn Fn() -> Option<Zeroizing<String>> + Send + Sync;

/// Wrong PINs before the PIN stops working and the full password is needed.
pub const PIN_TRIES: u32 = 5;

/// The master key wrapped by the user's PIN, held in memory only (never written): after
/// an idle lock the PIN re-opens it; a restart, a logout or [`PIN_TRIES`] wrong PINs
/// drop it, and the password is needed again.
struct PinLock {
    wrapped: Wrapped,
    wrong: u32,
}

/// The unlocked keys and the prompt of one profile, shared by its clones.
#[derive(Default, Clone)]
pub(crate) struct KeySlot {
    keys: Arc<Mutex<Option<Arc<DeviceKeys>>>>,
    pin: Arc<Mutex<Option<PinLock>>>,
    prompt: Arc<Mutex<Option<Arc<PasswordPrompt>>>>,
    /// The OS keystore was asked (or the app was locked): it opens the keys only once,
    /// at start.
    keystore_used: Arc<AtomicBool>,
    pub(crate) stores: crate::store_pool::StorePool,
}

impl std::fmt::Debug for KeySlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeySlot(…)")
    }
}

fn seal_error(e: SealError) -> ClientError {
    match e {
        SealError::WrongPassword => ClientError::WrongDevicePassword,
        SealError::Io(e) => ClientError::io("reading the profile's keys")(e),
        other => ClientError::BadKeys(other.to_string()),
    }
}

impl Profile {
    fn keys_path(&self) -> PathBuf {
        self.dir().join(KEYS_FILE)
    }

    /// Whether this profile has keys (it has been logged into with this version).
    pub fn has_keys(&self) -> bool {
        self.keys_path().is_file()
    }

    /// Whether the keys are in memory.
    pub fn is_unlocked(&self) -> bool {
        self.slot.keys.lock().is_ok_and(|k| k.is_some())
    }

    /// Installs what to ask when keys are needed while locked (the CLI's terminal
    /// prompt or `MEETING_PASSWORD`). The app leaves it unset and shows its lock screen.
    pub fn set_password_prompt(&self, prompt: Arc<PasswordPrompt>) {
        if let Ok(mut p) = self.slot.prompt.lock() {
            *p = Some(prompt);
        }
    }

    /// The unlocked keys; asks the prompt once when locked.
    pub fn keys(&self) -> Result<Arc<DeviceKeys>> {
        if let Some(k) = self.slot.keys.lock().ok().and_then(|k| k.clone()) {
            return Ok(k);
        }
        if !self.has_keys() {
            return Err(ClientError::NotLoggedIn);
        }
        if self.unlock_from_keystore()
            && let Some(k) = self.slot.keys.lock().ok().and_then(|k| k.clone())
        {
            return Ok(k);
        }
        let prompt = self.slot.prompt.lock().ok().and_then(|p| p.clone());
        match prompt.and_then(|ask| ask()) {
            Some(password) => {
                self.unlock(&password)?;
                self.slot.keys.lock().ok().and_then(|k| k.clone()).ok_or(ClientError::Locked)
            }
            None => Err(ClientError::Locked),
        }
    }

    /// Unlocks with the password (slow on purpose: run it off the UI thread).
    pub fn unlock(&self, password: &str) -> Result<()> {
        let file = self.read_keys()?.ok_or(ClientError::NotLoggedIn)?;
        let master = MasterKey::from_key(file.password.unwrap_with_password(password).map_err(seal_error)?);
        self.hold(DeviceKeys { master });
        Ok(())
    }

    /// Drops the keys from memory and closes the database; the PIN (if one was set)
    /// is forgotten too: only the password opens the keys again.
    pub fn lock_keys(&self) {
        self.forget_pin();
        self.lock_for_pin();
    }

    /// Drops the keys from memory and closes the database, keeping what the PIN
    /// re-opens (the idle lock).
    pub fn lock_for_pin(&self) {
        // Locked by the user or the idle timer: the keystore does not open it again.
        self.slot.keystore_used.store(true, Ordering::SeqCst);
        self.slot.stores.close_all();
        if let Ok(mut k) = self.slot.keys.lock() {
            *k = None;
        }
    }

    /// Lets `pin` re-open the keys after an idle lock (the keys must be unlocked now).
    /// The PIN wraps the master key in memory only; Argon2id with a lighter cost than
    /// the password's, since it never leaves memory and five wrong tries end it.
    pub fn set_pin(&self, pin: &str) -> Result<()> {
        if pin.chars().count() < 4 || !pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(ClientError::Invalid("a PIN is at least 4 digits".into()));
        }
        let keys = self.slot.keys.lock().ok().and_then(|k| k.clone()).ok_or(ClientError::Locked)?;
        let params = KdfParams { m_kib: 16 * 1024, t: 2, p: 1 };
        let wrapped = Wrapped::with_password(keys.master.key(), pin, params).map_err(seal_error)?;
        if let Ok(mut p) = self.slot.pin.lock() {
            *p = Some(PinLock { wrapped, wrong: 0 });
        }
        Ok(())
    }

    /// Whether a PIN can re-open the keys now.
    pub fn has_pin(&self) -> bool {
        self.slot.pin.lock().is_ok_and(|p| p.is_some())
    }

    /// Forgets the PIN.
    pub fn forget_pin(&self) {
        if let Ok(mut p) = self.slot.pin.lock() {
            *p = None;
        }
    }

    /// Re-opens the keys with the PIN after an idle lock. A wrong PIN answers
    /// [`ClientError::WrongPin`] with the tries left; the last wrong one forgets the PIN
    /// ([`ClientError::PinExhausted`]: the password is needed).
    pub fn unlock_with_pin(&self, pin: &str) -> Result<()> {
        let mut guard = self.slot.pin.lock().map_err(|_| ClientError::Locked)?;
        let lock = guard.as_mut().ok_or(ClientError::PinExhausted)?;
        match lock.wrapped.unwrap_with_password(pin) {
            Ok(key) => {
                lock.wrong = 0;
                drop(guard);
                self.hold(DeviceKeys { master: MasterKey::from_key(key) });
                Ok(())
            }
            Err(SealError::WrongPassword) => {
                lock.wrong += 1;
                if lock.wrong >= PIN_TRIES {
                    *guard = None;
                    return Err(ClientError::PinExhausted);
                }
                Err(ClientError::WrongPin(PIN_TRIES - lock.wrong))
            }
            Err(e) => Err(seal_error(e)),
        }
    }

    /// Who is logged in, as the lock screen shows it (readable while locked).
    pub fn account(&self) -> Option<Account> {
        self.read_keys().ok().flatten().and_then(|f| f.account)
    }

    /// Records who is logged in (`None`: logged out, the keys stay for the next login).
    pub(crate) fn set_account(&self, account: Option<Account>) -> Result<()> {
        self.update_keys(|f| f.account = account)
    }

    fn read_keys(&self) -> Result<Option<KeysFile>> {
        read_keys_at(&self.keys_path())
    }

    fn update_keys(&self, change: impl FnOnce(&mut KeysFile)) -> Result<()> {
        update_keys_at(&self.keys_path(), change)
    }

    fn write_keys(&self, file: &KeysFile) -> Result<()> {
        write_keys_at(&self.keys_path(), file)
    }

    fn hold(&self, keys: DeviceKeys) {
        if let Ok(mut k) = self.slot.keys.lock() {
            *k = Some(Arc::new(keys));
        }
    }

    /// At login, with the password the server just accepted: opens the existing keys
    /// of this user, or makes new ones after removing what the old ones protected.
    /// `old_password` is the device's previous password, for when it was changed on the
    /// server while changes of this device wait to be sent.
    pub(crate) fn keys_at_login(&self, user_id: &str, password: &str, old_password: Option<&str>) -> Result<AtLogin> {
        let existing = self.read_keys().ok().flatten();
        if let Some(file) = &existing
            && file.user_id == user_id
        {
            if let Ok(key) = file.password.unwrap_with_password(password) {
                self.hold(DeviceKeys { master: MasterKey::from_key(key) });
                return Ok(AtLogin::Kept);
            }
            // The password changed on the server: the old one still opens the keys,
            // which are then wrapped under the new one.
            if let Some(old) = old_password {
                let key = file.password.unwrap_with_password(old).map_err(seal_error)?;
                let rewrapped = KeysFile {
                    password: Wrapped::with_password(&key, password, KdfParams::default()).map_err(seal_error)?,
                    account: file.account.clone(),
                    user_id: file.user_id.clone(),
                    keystore: file.keystore.clone(),
                    ..*file
                };
                self.write_keys(&rewrapped)?;
                self.hold(DeviceKeys { master: MasterKey::from_key(key) });
                return Ok(AtLogin::Kept);
            }
            if file.unsynced > 0 {
                return Err(ClientError::OldPasswordNeeded(file.unsynced));
            }
        } else if let Some(file) = &existing
            && file.unsynced > 0
        {
            return Err(ClientError::UnsyncedAnnotations(file.unsynced));
        }
        // New keys: nothing sealed under the old ones can be opened any more.
        if let Some(r) = existing.as_ref().and_then(|f| f.keystore.as_ref()) {
            keystore::remove(r);
        }
        self.slot.stores.close_all();
        self.remove_store_files()?;
        let master = MasterKey::generate();
        let file = KeysFile {
            version: 1,
            user_id: user_id.to_owned(),
            password: Wrapped::with_password(master.key(), password, KdfParams::default()).map_err(seal_error)?,
            account: None,
            unsynced: 0,
            keystore: None,
        };
        self.write_keys(&file)?;
        self.hold(DeviceKeys { master });
        Ok(AtLogin::Fresh)
    }

    /// Removes an encrypted store (its key is gone) and every cached copy. A plain store
    /// left by a version before encryption stays: it is encrypted in place when opened.
    fn remove_store_files(&self) -> Result<()> {
        let db = self.db_path();
        if !meeting_sqlite::is_plain(&db) {
            let [wal, shm] = meeting_sqlite::side_files(&db);
            for file in [db, wal, shm] {
                match std::fs::remove_file(&file) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(ClientError::io(format!("removing {}", file.display()))(e));
                    }
                    _ => {}
                }
            }
        }
        let blobs = self.dir().join("blobs");
        match std::fs::remove_dir_all(&blobs) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(ClientError::io(format!("removing {}", blobs.display()))(e))
            }
            _ => Ok(()),
        }
    }
}

/// The OS keystore's copy of the key (see [`crate::keystore`]).
impl Profile {
    /// At start: opens the keys with the OS keystore's copy, once per process and never
    /// after a lock. Whether the keys are now held.
    pub fn unlock_from_keystore(&self) -> bool {
        if self.slot.keystore_used.swap(true, Ordering::SeqCst) {
            return false;
        }
        let Some(r) = self.read_keys().ok().flatten().and_then(|f| f.keystore) else { return false };
        match keystore::load(&r) {
            Some(master) => {
                self.hold(DeviceKeys { master });
                true
            }
            None => false,
        }
    }

    /// After a login (keys held): makes sure the OS keystore holds the key, or records
    /// that it cannot ([`Profile::keystore_state`] then says which). A keystore that
    /// fails never fails the login (the password's copy is always there); only an
    /// unreadable or unwritable `keys.json` does.
    pub(crate) fn keystore_after_login(&self) -> Result<()> {
        let keys = self.slot.keys.lock().ok().and_then(|k| k.clone()).ok_or(ClientError::Locked)?;
        let file = self.read_keys()?.ok_or(ClientError::NotLoggedIn)?;
        if let Some(r) = &file.keystore
            && r.check == keystore::check_of(&keys.master)
            && keystore::load(r).is_some()
        {
            return Ok(());
        }
        if let Some(r) = &file.keystore {
            keystore::remove(r);
        }
        let saved = keystore::save(&keys.master);
        if let Err(why) = &saved {
            tracing::info!("the key is not kept in an OS keystore: {why}");
        }
        self.update_keys(|f| f.keystore = saved.ok())
    }

    /// Whether the OS keystore holds the key (read from `keys.json`, while locked too).
    pub fn keystore_state(&self) -> KeystoreState {
        match self.read_keys().ok().flatten().and_then(|f| f.keystore) {
            Some(_) => KeystoreState::Holds,
            None if keystore::enabled() => KeystoreState::Unavailable,
            None => KeystoreState::Off,
        }
    }

    /// Removes the OS keystore's copy (logout, wipe): first from `keys.json`, so that a
    /// keystore that cannot be reached now leaves an entry no keys file names.
    pub(crate) fn forget_keystore(&self) -> Result<()> {
        let Some(r) = self.read_keys()?.and_then(|f| f.keystore) else { return Ok(()) };
        self.update_keys(|f| f.keystore = None)?;
        keystore::remove(&r);
        Ok(())
    }
}

/// Records in a keys file how many changes wait to be sent (written only when it moved).
pub(crate) fn note_unsynced_in(keys_file: &Path, n: usize) -> Result<()> {
    match read_keys_at(keys_file)? {
        Some(f) if f.unsynced != n => update_keys_at(keys_file, |f| f.unsynced = n),
        _ => Ok(()),
    }
}

fn read_keys_at(path: &Path) -> Result<Option<KeysFile>> {
    match std::fs::read(path) {
        Ok(t) => serde_json::from_slice(&t).map(Some).map_err(|e| ClientError::BadKeys(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ClientError::io("reading the profile's keys")(e)),
    }
}

fn update_keys_at(path: &Path, change: impl FnOnce(&mut KeysFile)) -> Result<()> {
    let Some(mut file) = read_keys_at(path)? else { return Ok(()) };
    change(&mut file);
    write_keys_at(path, &file)
}

fn write_keys_at(path: &Path, file: &KeysFile) -> Result<()> {
    let json = serde_json::to_vec_pretty(file).map_err(|e| ClientError::BadKeys(e.to_string()))?;
    meeting_seal::write_whole(path, &json).map_err(ClientError::io(format!("writing {}", path.display())))
}
