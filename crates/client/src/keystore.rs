//! The OS keystore's copy of the master key: how the app starts without asking for the
//! password on a desktop that has a keystore.
//!
//! After a login (the password has just been checked by the server) the master key is
//! also stored in the operating system's keystore: the Secret Service on Linux (GNOME
//! Keyring, KWallet), the Keychain on macOS, the Credential Manager on Windows. Those
//! stores are opened by the user's own OS login, so the key is as safe as the user's
//! desktop session, and a profile copied to another machine finds no key there (see
//! [`crate::vault`] for the password's copy, which always exists).
//!
//! Where there is none (a bare desktop, a kiosk session, Xvfb), nothing is written
//! instead: the login says so once ([`KeystoreState::Unavailable`]) and the app asks for
//! the password at every start. There is never a plaintext or hard-coded fallback.
//!
//! The keystore is used only to *start*: after the app was locked (idle or by hand) only
//! the PIN or the password re-open it, or locking would mean nothing on an unattended
//! laptop. `PHONGHOP_KEYSTORE=off` turns it off (an office's policy; the test suite, so
//! that a developer's own keyring is never touched).
//!
//! Every call runs on a thread of its own with a time limit: a keystore that waits for a
//! prompt nobody answers must not hang the app's start or a login.

use std::sync::mpsc;
use std::time::Duration;

use meeting_seal::{Key32, MasterKey, Purpose};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The entries' service name in the OS keystore.
const SERVICE: &str = "vn.phonghop.meeting-room";

/// How long a keystore call may take before it counts as unavailable.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Where, in the OS keystore, this profile's key is (kept in `keys.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct KeystoreRef {
    /// The entry's account name: random, one per set of keys.
    pub id: String,
    /// A value derived from the master key (HKDF, its own purpose): tells whether what
    /// the keystore returns is this profile's key.
    pub check: String,
}

/// Whether the OS keystore holds this device's key (shown after a login, and on the
/// lock screen to say why the password is asked).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeystoreState {
    /// The keystore holds a copy: the app starts without the password.
    Holds,
    /// There is no usable keystore on this desktop: the password is asked at each start.
    #[default]
    Unavailable,
    /// Turned off (`PHONGHOP_KEYSTORE=off`).
    Off,
}

/// Whether the keystore may be used at all.
pub(crate) fn enabled() -> bool {
    !matches!(std::env::var("PHONGHOP_KEYSTORE").as_deref(), Ok("off" | "0" | "no"))
}

/// The check value of a master key.
pub(crate) fn check_of(master: &MasterKey) -> String {
    let k = master.derive(Purpose::Check, b"");
    hex::encode(&k.as_bytes()[..16])
}

/// Runs `op` on its own thread, giving up after [`TIMEOUT`] (the thread is left to end
/// by itself: a stuck D-Bus call cannot be cancelled).
fn bounded<T: Send + 'static>(op: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("keystore".into())
        .spawn(move || {
            let _ = tx.send(op());
        })
        .map_err(|e| format!("starting a thread: {e}"))?;
    rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| Err("the keystore did not answer in time".into()))
}

fn entry(id: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, id).map_err(|e| e.to_string())
}

/// Stores `master` under a new entry; `Err` says why there is no keystore.
pub(crate) fn save(master: &MasterKey) -> Result<KeystoreRef, String> {
    if !enabled() {
        return Err("turned off (PHONGHOP_KEYSTORE=off)".into());
    }
    let id = uuid::Uuid::now_v7().to_string();
    let secret = Zeroizing::new(master.key().as_bytes().to_vec());
    let name = id.clone();
    bounded(move || entry(&name)?.set_secret(&secret).map_err(|e| e.to_string()))?;
    Ok(KeystoreRef { id, check: check_of(master) })
}

/// The key the keystore holds for `r`, if it holds this profile's key.
pub(crate) fn load(r: &KeystoreRef) -> Option<MasterKey> {
    if !enabled() {
        return None;
    }
    let id = r.id.clone();
    let got = bounded(move || entry(&id)?.get_secret().map(Zeroizing::new).map_err(|e| e.to_string()));
    let bytes = match got {
        Ok(b) => b,
        Err(e) => {
            tracing::info!("no key from the OS keystore: {e}");
            return None;
        }
    };
    let mut raw = Zeroizing::new([0u8; 32]);
    if bytes.len() != raw.len() {
        tracing::warn!("the OS keystore's entry is not a key: ignored");
        return None;
    }
    raw.copy_from_slice(&bytes);
    let master = MasterKey::from_key(Key32::from_bytes(*raw));
    if check_of(&master) != r.check {
        tracing::warn!("the OS keystore's key is not this profile's: ignored");
        return None;
    }
    Some(master)
}

/// Removes the entry (logout, new keys, wipe), even when the keystore was turned off
/// since. Best effort: an entry left in a keystore that cannot be reached now is named
/// by no keys file any more (the callers forget the reference first).
pub(crate) fn remove(r: &KeystoreRef) {
    let id = r.id.clone();
    if let Err(e) = bounded(move || match entry(&id)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(e.to_string()),
    }) {
        tracing::warn!("could not remove the key from the OS keystore: {e}");
    }
}
