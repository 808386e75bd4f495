//! Encryption at rest on leaders' devices.
//!
//! Laptops holding a provincial committee's confidential documents get left in cars and
//! lost; whoever copies the disk must find nothing readable. This crate owns the three
//! pieces that make that so, with no knowledge of meetings, stores or the network:
//!
//! - [`keys`]: 256-bit keys that are wiped from memory when dropped, the device's random
//!   master key, and the keys derived from it per purpose (HKDF-SHA256), so that one
//!   purpose's key (a confidentiality level's documents, the database) can be destroyed
//!   without touching the others;
//! - [`wrap`]: the master key as stored on disk, encrypted under a key from the user's
//!   password (Argon2id, RFC 9106's second recommended parameters) or under a random key
//!   kept by the OS keystore;
//! - [`sealed`]: sealed files, a streaming AEAD (STREAM over XChaCha20-Poly1305) in
//!   64 KiB chunks: written as bytes arrive, resumable after a crash, readable at any
//!   offset through a `Read + Seek` that decrypts only the chunks asked for (pdfium reads
//!   documents that way, so no plaintext PDF is ever written). The caller's associated
//!   data (a blob's SHA-256) binds a file to its name: swapped, truncated or bit-flipped
//!   files are refused.

pub mod keys;
pub mod sealed;
pub mod whole;
pub mod wrap;

pub use keys::{Key32, MasterKey, Purpose};
pub use sealed::{Opener, SealedReader, SealedWriter, Sealer};
pub use whole::write_whole;
pub use wrap::{KdfParams, Wrapped};

/// What can go wrong opening sealed data or unwrapping a key.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The file does not start with the sealed-file header: it was not written by us
    /// (or was replaced by a plain file).
    #[error("not an encrypted file of this app")]
    NotSealed,
    /// The header names a format version this build cannot read.
    #[error("encrypted file of unknown version {0}")]
    UnknownVersion(u8),
    /// The file ends before its last chunk: cut short by a crash, a full disk or on
    /// purpose.
    #[error("encrypted file is truncated")]
    Truncated,
    /// A chunk does not authenticate: a flipped bit, a file put under another file's
    /// name, or the wrong key. Deliberately one error: telling them apart would help an
    /// attacker.
    #[error("encrypted file is damaged or was tampered with")]
    Tampered,
    /// The password does not unwrap the key.
    #[error("wrong password")]
    WrongPassword,
    /// A stored wrapped key is malformed, or its key-derivation parameters are refused.
    #[error("stored key is unreadable: {0}")]
    BadWrap(String),
    /// Reading or writing the underlying file failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl SealError {
    /// As an I/O error for `Read` implementations; [`SealError::from_io`] gets it back.
    pub fn into_io(self) -> std::io::Error {
        match self {
            Self::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidData, other),
        }
    }

    /// The sealed-file error inside an I/O error, if it is one.
    pub fn from_io(e: std::io::Error) -> Self {
        if !e.get_ref().is_some_and(|inner| inner.is::<SealError>()) {
            return Self::Io(e);
        }
        match e.into_inner().map(|inner| inner.downcast::<SealError>()) {
            Some(Ok(seal)) => *seal,
            _ => Self::Io(std::io::Error::other("i/o error")),
        }
    }
}

/// Results of this crate.
pub type Result<T, E = SealError> = std::result::Result<T, E>;
