//! A key as stored on disk: encrypted (XChaCha20-Poly1305) under a key-encryption key
//! that comes from the user's password through Argon2id, or from the OS keystore.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{Key32, Result, SealError};

/// Argon2id cost. The default is RFC 9106's second recommended option (64 MiB, 3
/// passes, 4 lanes): about half a second on an office laptop, once per app start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        Self { m_kib: 64 * 1024, t: 3, p: 4 }
    }
}

impl KdfParams {
    /// Refuses costs a stored file could use to make us allocate gigabytes or spin for
    /// minutes (the file is on a disk an attacker may have written), or that are too
    /// weak to be ours.
    fn checked(self) -> Result<Params> {
        if !(8..=1024 * 1024).contains(&self.m_kib) || !(1..=16).contains(&self.t) || !(1..=16).contains(&self.p) {
            return Err(SealError::BadWrap(format!("key-derivation cost out of range: {self:?}")));
        }
        Params::new(self.m_kib, self.t, self.p, Some(32)).map_err(|e| SealError::BadWrap(e.to_string()))
    }
}

/// A wrapped key, as stored (JSON-friendly: hex strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wrapped {
    /// The Argon2id cost when the key-encryption key comes from a password; `None` when
    /// it is a random key kept elsewhere (the OS keystore).
    pub kdf: Option<KdfParams>,
    /// Argon2 salt (16 random bytes), hex; empty without `kdf`.
    pub salt: String,
    /// XChaCha20 nonce (24 random bytes), hex.
    pub nonce: String,
    /// The encrypted key with its tag, hex.
    pub sealed: String,
}

/// What the associated data says: a wrapped key only unwraps as what it was made for.
const AAD: &[u8] = b"phonghop/v1/wrapped-key";

fn password_kek(password: &str, salt: &[u8], params: KdfParams) -> Result<Key32> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.checked()?);
    let mut out = Zeroizing::new([0u8; 32]);
    argon.hash_password_into(password.as_bytes(), salt, out.as_mut()).map_err(|e| SealError::BadWrap(e.to_string()))?;
    Ok(Key32::from_bytes(*out))
}

fn seal(key: &Key32, kek: &Key32, kdf: Option<KdfParams>, salt: &[u8]) -> Result<Wrapped> {
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(kek.as_bytes().into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: key.as_bytes(), aad: AAD })
        .map_err(|_| SealError::BadWrap("encryption failed".into()))?;
    Ok(Wrapped { kdf, salt: hex::encode(salt), nonce: hex::encode(nonce), sealed: hex::encode(sealed) })
}

fn open(w: &Wrapped, kek: &Key32, wrong: SealError) -> Result<Key32> {
    let nonce = hex::decode(&w.nonce).map_err(|_| SealError::BadWrap("nonce is not hex".into()))?;
    let sealed = hex::decode(&w.sealed).map_err(|_| SealError::BadWrap("key is not hex".into()))?;
    if nonce.len() != 24 || sealed.len() != 48 {
        return Err(SealError::BadWrap("wrapped key has the wrong length".into()));
    }
    let cipher = XChaCha20Poly1305::new(kek.as_bytes().into());
    let plain = Zeroizing::new(
        cipher.decrypt(XNonce::from_slice(&nonce), Payload { msg: &sealed, aad: AAD }).map_err(|_| wrong)?,
    );
    let mut k = [0u8; 32];
    k.copy_from_slice(&plain);
    Ok(Key32::from_bytes(k))
}

impl Wrapped {
    /// Wraps `key` under the user's password (slow on purpose: Argon2id with `params`).
    pub fn with_password(key: &Key32, password: &str, params: KdfParams) -> Result<Self> {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let kek = password_kek(password, &salt, params)?;
        seal(key, &kek, Some(params), &salt)
    }

    /// Wraps `key` under a random key-encryption key kept elsewhere.
    pub fn with_key(key: &Key32, kek: &Key32) -> Result<Self> {
        seal(key, kek, None, &[])
    }

    /// Unwraps with the password; [`SealError::WrongPassword`] when it is not the one.
    pub fn unwrap_with_password(&self, password: &str) -> Result<Key32> {
        let params = self.kdf.ok_or_else(|| SealError::BadWrap("this key is not wrapped by a password".into()))?;
        let salt = hex::decode(&self.salt).map_err(|_| SealError::BadWrap("salt is not hex".into()))?;
        if salt.len() < 8 {
            return Err(SealError::BadWrap("salt too short".into()));
        }
        let kek = password_kek(password, &salt, params)?;
        open(self, &kek, SealError::WrongPassword)
    }

    /// Unwraps with the key-encryption key; a wrong one is [`SealError::Tampered`].
    pub fn unwrap_with_key(&self, kek: &Key32) -> Result<Key32> {
        open(self, kek, SealError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: KdfParams = KdfParams { m_kib: 64, t: 1, p: 1 };

    #[test]
    fn the_right_password_unwraps_and_a_wrong_one_is_told_apart() {
        let key = Key32::random();
        let w = Wrapped::with_password(&key, "mật khẩu", CHEAP).expect("wrap");
        let json = serde_json::to_string(&w).expect("json");
        assert!(!json.contains(&*key.to_hex()), "the key is not stored in the clear");
        let back: Wrapped = serde_json::from_str(&json).expect("parse");
        assert_eq!(back.unwrap_with_password("mật khẩu").expect("unwrap"), key);
        assert!(matches!(back.unwrap_with_password("mat khau"), Err(SealError::WrongPassword)));
    }

    #[test]
    fn a_keystore_key_unwraps_and_tampering_is_refused() {
        let (key, kek) = (Key32::random(), Key32::random());
        let mut w = Wrapped::with_key(&key, &kek).expect("wrap");
        assert_eq!(w.unwrap_with_key(&kek).expect("unwrap"), key);
        assert!(matches!(w.unwrap_with_key(&Key32::random()), Err(SealError::Tampered)));
        assert!(w.unwrap_with_password("x").is_err(), "no password wrap here");
        let mut bytes = hex::decode(&w.sealed).expect("hex");
        bytes[3] ^= 1;
        w.sealed = hex::encode(bytes);
        assert!(matches!(w.unwrap_with_key(&kek), Err(SealError::Tampered)));
    }

    #[test]
    fn absurd_stored_costs_are_refused_before_any_work() {
        let key = Key32::random();
        let mut w = Wrapped::with_password(&key, "p", CHEAP).expect("wrap");
        w.kdf = Some(KdfParams { m_kib: u32::MAX, t: 1, p: 1 });
        assert!(matches!(w.unwrap_with_password("p"), Err(SealError::BadWrap(_))));
    }

    #[test]
    fn the_default_cost_is_rfc_9106_second_recommendation() {
        assert_eq!(KdfParams::default(), KdfParams { m_kib: 65536, t: 3, p: 4 });
    }
}
