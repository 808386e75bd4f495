//! Documents the office allows no offline copy of (`Document::offline_copy` off, for
//! the most confidential papers): the sync never downloads them, a copy cached before
//! the office switched the flag is removed like an unreferenced blob, the search index
//! keeps none of their words, and opening one streams it from the server into memory,
//! checked against its SHA-256, straight to the PDF worker (`meeting_pdf::Source::memory`).
//! Nothing of it is written to the disk; closing it frees it. Offline, it does not open
//! and says why ([`ClientError::OnlineOnly`]).

use meeting_protocol::Document;
use rusqlite::OptionalExtension as _;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::api::Api;
use crate::error::{ClientError, Result};
use crate::store::{Store, parse};

/// The largest document streamed into memory (the server's upload limit is lower).
const MAX_BYTES: i64 = 1 << 30;

impl Store {
    /// A document as the server last described it.
    pub fn document(&self, document_id: &str) -> Result<Option<Document>> {
        let data: Option<String> = self
            .conn()
            .query_row("SELECT data FROM documents WHERE id = ?1", [document_id], |r| r.get(0))
            .optional()?;
        Ok(data.map(|d| parse(&d)).transpose()?)
    }
}

/// The whole current version of `doc` from the server, in memory (wiped when dropped).
pub(crate) async fn stream(api: &Api, doc: &Document) -> Result<Zeroizing<Vec<u8>>> {
    if !(0..=MAX_BYTES).contains(&doc.size) {
        return Err(ClientError::Protocol(format!("document {} announces {} bytes", doc.id, doc.size)));
    }
    let offline = |e: ClientError| match e {
        ClientError::Unreachable { reason, .. } | ClientError::Interrupted { reason, .. } => {
            ClientError::OnlineOnly(reason)
        }
        other => other,
    };
    let mut resp = api.blob(&doc.sha256, 0).await.map_err(offline)?;
    // The exact size up front: a growing Vec would leave copies in freed memory.
    let mut bytes = Zeroizing::new(Vec::with_capacity(doc.size as usize));
    let mut hasher = Sha256::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| offline(api.net_error(&e)))? {
        if bytes.len() + chunk.len() > doc.size as usize {
            return Err(ClientError::Protocol(format!("document {} is larger than announced", doc.id)));
        }
        hasher.update(&chunk);
        bytes.extend_from_slice(&chunk);
    }
    let actual = hex::encode(hasher.finalize());
    if actual != doc.sha256 {
        return Err(ClientError::HashMismatch { sha256: doc.sha256.clone(), actual });
    }
    Ok(bytes)
}
