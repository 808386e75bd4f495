//! Keys: 256 random bits, never printed, wiped when dropped; the master key and what
//! derives from it.

use hkdf::Hkdf;
use rand::RngCore as _;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{Result, SealError};

/// A 256-bit key. `Debug` shows nothing of it; dropping it overwrites it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Key32([u8; 32]);

impl std::fmt::Debug for Key32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key32(…)")
    }
}

impl Key32 {
    /// 32 bytes from the operating system's random source.
    pub fn random() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Self(k)
    }

    /// A key from its bytes (the caller's copy should be zeroized).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, itself wiped when dropped (for SQLCipher's raw-key pragma and
    /// for the PDF worker's pipe).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self> {
        let mut k = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut k).map_err(|_| SealError::BadWrap("a key is not 64 hex digits".into()))?;
        Ok(Self(k))
    }
}

/// What a derived key is for. Each purpose has its own key, so one can be destroyed
/// (crypto-shredding a confidentiality level's documents) while the others still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The local SQLCipher database.
    Database,
    /// Cached documents of one confidentiality level (0 normal, 1 confidential); the
    /// same byte is written into each sealed file's header.
    Documents(u8),
    /// Things of the device that are not documents (logs waiting to be sent, …).
    Device,
    /// A value written beside a copy of the master key kept elsewhere (the OS
    /// keystore), to tell that copy is this profile's key without revealing it.
    Check,
}

impl Purpose {
    fn info(self) -> Vec<u8> {
        match self {
            Self::Database => b"phonghop/v1/database".to_vec(),
            Self::Documents(level) => [b"phonghop/v1/documents/".as_slice(), &[level]].concat(),
            Self::Device => b"phonghop/v1/device".to_vec(),
            Self::Check => b"phonghop/v1/check".to_vec(),
        }
    }
}

/// The device's master key: random, made once per profile, never stored unwrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterKey(Key32);

impl MasterKey {
    /// A new random master key.
    pub fn generate() -> Self {
        Self(Key32::random())
    }

    /// The master key from its bytes (unwrapped from storage).
    pub fn from_key(key: Key32) -> Self {
        Self(key)
    }

    /// The raw key (for wrapping).
    pub fn key(&self) -> &Key32 {
        &self.0
    }

    /// The key for one purpose. `context` mixes in material held elsewhere: a
    /// confidentiality level's key also needs the secret of that level's lease from the
    /// server, so deleting that secret on the device destroys the level's key even for
    /// someone who has the master key.
    pub fn derive(&self, purpose: Purpose, context: &[u8]) -> Key32 {
        let hk = Hkdf::<Sha256>::new(Some(context), self.0.as_bytes());
        let mut out = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 255 × 32: this cannot fail.
        #[allow(clippy::expect_used)]
        hk.expand(&purpose.info(), &mut out).expect("32 bytes is a valid HKDF-SHA256 output length");
        let key = Key32::from_bytes(out);
        out.zeroize();
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_and_contexts_give_different_keys_and_the_same_inputs_the_same() {
        let m = MasterKey::generate();
        let db = m.derive(Purpose::Database, b"");
        assert_eq!(db, m.derive(Purpose::Database, b""));
        assert_ne!(db, m.derive(Purpose::Documents(0), b""));
        assert_ne!(m.derive(Purpose::Documents(0), b""), m.derive(Purpose::Documents(1), b""));
        assert_ne!(m.derive(Purpose::Documents(1), b"lease-a"), m.derive(Purpose::Documents(1), b"lease-b"));
        assert_ne!(db, MasterKey::generate().derive(Purpose::Database, b""));
    }

    #[test]
    fn keys_never_print_and_round_trip_through_hex() {
        let k = Key32::random();
        assert_eq!(format!("{k:?}"), "Key32(…)");
        assert_eq!(Key32::from_hex(&k.to_hex()).expect("hex"), k);
        assert!(Key32::from_hex("abc").is_err());
    }
}
