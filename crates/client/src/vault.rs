//! The device's keys: made at login, kept wrapped in the profile, held in memory only
//! while the app is unlocked.
//!
//! `keys.json` holds the device's random master key wrapped by the user's password
//! (Argon2id, see `meeting_seal::wrap`); nothing in the profile opens it without the
//! password. The keys that encrypt documents derive from the master key. At login the
//! password has just been checked by the server, so it unwraps the existing file, or
//! makes a new one (first login on this device, another user, or a password changed on
//! the server: the old copies cannot be opened any more, so they are dropped and
//! fetched again). After a restart the app asks for the password to unlock; the CLI
//! reads `MEETING_PASSWORD` or asks on the terminal (see [`Profile::set_password_prompt`]).
//! Locking drops the keys from memory (they are zeroized when the last user lets go).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use meeting_seal::{KdfParams, Key32, MasterKey, Purpose, SealError, Wrapped};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{ClientError, Profile, Result};

/// The file of wrapped keys in a profile.
pub const KEYS_FILE: &str = "keys.json";

/// Key id of normal documents in sealed files' headers (confidential ones get their own
/// level when leases come).
pub const LEVEL_NORMAL: u8 = 0;

#[derive(Debug, Serialize, Deserialize)]
struct KeysFile {
    version: u32,
    /// Whose keys these are (a login as another user makes new ones).
    user_id: String,
    /// The master key under the user's password.
    password: Wrapped,
}

/// The unlocked keys of this device.
#[derive(Debug)]
pub struct DeviceKeys {
    master: MasterKey,
}

impl DeviceKeys {
    /// The key of cached documents of a confidentiality level.
    pub fn documents(&self, level: u8) -> Key32 {
        self.master.derive(Purpose::Documents(level), b"")
    }

    /// The key of the local database.
    pub fn database(&self) -> Key32 {
        self.master.derive(Purpose::Database, b"")
    }
}

/// Asks the user for the password when keys are needed and the profile is locked
/// (`None`: no answer, stay locked).
pub type PasswordPrompt = dyn Fn() -> Option<Zeroizing<String>> + Send + Sync;

/// The unlocked keys and the prompt of one profile, shared by its clones.
#[derive(Default, Clone)]
pub(crate) struct KeySlot {
    keys: Arc<Mutex<Option<Arc<DeviceKeys>>>>,
    prompt: Arc<Mutex<Option<Arc<PasswordPrompt>>>>,
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
        let text = match std::fs::read(self.keys_path()) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ClientError::NotLoggedIn),
            Err(e) => return Err(ClientError::io("reading the profile's keys")(e)),
        };
        let file: KeysFile = serde_json::from_slice(&text).map_err(|e| ClientError::BadKeys(e.to_string()))?;
        let master = MasterKey::from_key(file.password.unwrap_with_password(password).map_err(seal_error)?);
        self.hold(DeviceKeys { master });
        Ok(())
    }

    /// Drops the keys from memory.
    pub fn lock_keys(&self) {
        if let Ok(mut k) = self.slot.keys.lock() {
            *k = None;
        }
    }

    fn hold(&self, keys: DeviceKeys) {
        if let Ok(mut k) = self.slot.keys.lock() {
            *k = Some(Arc::new(keys));
        }
    }

    /// At login, with the password the server just accepted: unlocks the existing keys
    /// of this user, or makes new ones. `Ok(true)` when new keys were made (every
    /// cached document is then unreadable and must be dropped by the caller).
    pub(crate) fn keys_at_login(&self, user_id: &str, password: &str) -> Result<bool> {
        if let Ok(text) = std::fs::read(self.keys_path())
            && let Ok(file) = serde_json::from_slice::<KeysFile>(&text)
            && file.user_id == user_id
            && let Ok(key) = file.password.unwrap_with_password(password)
        {
            self.hold(DeviceKeys { master: MasterKey::from_key(key) });
            return Ok(false);
        }
        let master = MasterKey::generate();
        let file = KeysFile {
            version: 1,
            user_id: user_id.to_owned(),
            password: Wrapped::with_password(master.key(), password, KdfParams::default()).map_err(seal_error)?,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| ClientError::BadKeys(e.to_string()))?;
        write_atomically(&self.keys_path(), &json)?;
        self.hold(DeviceKeys { master });
        Ok(true)
    }
}

/// Writes a file whole or not at all (temporary file, fsync, rename, fsync the folder).
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let io = |what: &str| ClientError::io(format!("{what} {}", path.display()));
    let mut f = std::fs::File::create(&tmp).map_err(io("writing"))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(io("writing"))?;
    std::fs::rename(&tmp, path).map_err(io("replacing"))?;
    if let Some(dir) = path.parent() {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}
