//! Remote wipe and the admins' device list.
//!
//! When this device's session was revoked from elsewhere (the user on another device,
//! or an admin for a lost laptop), the server answers its next call with
//! `device_revoked`. The device then destroys its keys first — `keys.json` holds the
//! only wrapped copy of the master key, so every sealed document becomes noise whatever
//! the disk keeps of deleted blocks (crypto-shredding) — and then deletes the
//! profile's files, and is logged out.

use meeting_protocol::DeviceSession;
use reqwest::Method;
use uuid::Uuid;

use crate::Profile;
use crate::api::urlencode;
use crate::error::{ClientError, Result};
use crate::vault::KEYS_FILE;

impl Profile {
    /// Destroys the keys, then every file of the profile. The directory itself stays
    /// (it may be a mount point or chosen by the user).
    pub fn wipe(&self) -> Result<()> {
        self.lock_keys();
        // The OS keystore's copy of the key goes too (the keys file may be unreadable:
        // the wipe goes on regardless).
        if let Err(e) = self.forget_keystore() {
            tracing::warn!("wipe: the OS keystore's copy: {e}");
        }
        let io = |what: String| ClientError::io(what);
        let keys = self.dir().join(KEYS_FILE);
        match std::fs::remove_file(&keys) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io(format!("removing {}", keys.display()))(e));
            }
            _ => {}
        }
        if let Ok(d) = std::fs::File::open(self.dir()) {
            let _ = d.sync_all();
        }
        let entries = std::fs::read_dir(self.dir()).map_err(io(format!("listing {}", self.dir().display())))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            removed.map_err(io(format!("removing {}", path.display())))?;
        }
        tracing::warn!(profile = %self.dir().display(), "device revoked: keys and copies erased");
        Ok(())
    }
}

/// The admins' calls about devices, on one profile's session.
#[derive(Debug, Clone)]
pub struct Devices {
    api: crate::api::Api,
}

impl Devices {
    /// The calls on `profile`'s session.
    pub fn new(profile: &Profile) -> Result<Self> {
        let store = profile.store()?;
        Ok(Self { api: profile.api(&store)? })
    }

    /// Every valid device session, or one user's.
    pub async fn list(&self, user: Option<&str>) -> Result<Vec<DeviceSession>> {
        let path = match user {
            Some(u) => format!("/admin/devices?user={}", urlencode(u)),
            None => "/admin/devices".to_owned(),
        };
        self.api.call_json(Method::GET, &path, None).await
    }

    /// Revokes a device session: that device erases itself at its next contact.
    pub async fn revoke(&self, token_id: Uuid) -> Result<()> {
        self.api
            .call_json::<serde_json::Value>(Method::DELETE, &format!("/admin/devices/{token_id}"), None)
            .await
            .map(drop)
    }
}
