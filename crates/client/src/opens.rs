//! The audit of opens on the device: every document opened in the app is recorded in
//! the profile's store (offline too) and sent with the next sync; the server records
//! each open once, by the id given here (see `meeting_protocol::opens`).

use meeting_protocol::{DocumentOpen, MAX_OPENS_PUSH, OpensPush, OpensPushResponse};
use rusqlite::params;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::api::Api;
use crate::error::{ClientError, Result};
use crate::store::Store;

impl Store {
    /// Records that the user opened a document (the version `sha256`) just now.
    pub fn record_open(&self, document_id: &str, sha256: &str) -> Result<()> {
        let at = OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO open_outbox (id, document_id, sha256, opened_at) VALUES (?1, ?2, ?3, ?4)",
            params![Uuid::now_v7().to_string(), document_id, sha256, at],
        )?;
        Ok(())
    }

    /// Opens not sent yet, oldest first.
    pub fn pending_opens(&self, limit: usize) -> Result<Vec<DocumentOpen>> {
        let mut stmt =
            self.conn.prepare("SELECT id, document_id, sha256, opened_at FROM open_outbox ORDER BY id LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, doc, sha256, opened_at) = row?;
            // A row this version cannot read would block the outbox: drop it.
            match (Uuid::parse_str(&id), Uuid::parse_str(&doc)) {
                (Ok(id), Ok(document_id)) => out.push(DocumentOpen { id, document_id, sha256, opened_at }),
                _ => {
                    self.conn.execute("DELETE FROM open_outbox WHERE id = ?1", [&id])?;
                }
            }
        }
        Ok(out)
    }

    fn forget_opens(&self, sent: &[DocumentOpen]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for o in sent {
            tx.execute("DELETE FROM open_outbox WHERE id = ?1", [o.id.to_string()])?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Sends every recorded open; an open leaves the device once the server answered for
/// it (recorded, already recorded, or refused as no longer visible).
pub async fn push(store: &mut Store, api: &Api) -> Result<OpensPushResponse> {
    let mut total = OpensPushResponse::default();
    loop {
        let batch = store.pending_opens(MAX_OPENS_PUSH)?;
        if batch.is_empty() {
            return Ok(total);
        }
        let body = serde_json::to_value(OpensPush { opens: batch.clone() })
            .map_err(|e| ClientError::Protocol(format!("opens to send: {e}")))?;
        let answer: OpensPushResponse = api.call_json(reqwest::Method::POST, "/opens", Some(body)).await?;
        store.forget_opens(&batch)?;
        total.recorded += answer.recorded;
        total.duplicates += answer.duplicates;
        total.refused += answer.refused;
    }
}
