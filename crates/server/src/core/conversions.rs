//! Office files through the converter: accepted at once (the original kept as a blob, a
//! `conversions` row in `queued`), converted in the background by
//! [`crate::convert::Converter`], and finished through [`super::documents::ingest_pdf`]
//! like any PDF upload. A server restarted mid-conversion picks the work up again.

use crate::store::sql::params;
use crate::store::{Row, Tx};
use meeting_protocol::{ApiError, Conversion, ConversionState, ErrorCode};
use time::OffsetDateTime;
use uuid::Uuid;

use super::documents::{self, NewDocument, Original, Target};
use crate::auth::AuthUser;
use crate::blobs::Received;
use crate::convert::{ConvertError, OFFICE_EXTENSIONS};
use crate::error::{AppError, AppResult};
use crate::{AppState, model};

/// The office extension of a file name (lowercase), if it is one we convert.
pub fn office_extension(filename: &str) -> Option<String> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    OFFICE_EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

/// True when the first bytes are what a file of this extension starts with: OLE2 for
/// the old binary formats, ZIP for OOXML and OpenDocument, `{\rtf` for RTF. (Word also
/// saves RTF under `.doc`.) An encrypted OOXML file is an OLE2 container around the
/// encrypted package: LibreOffice opens some (Excel's built-in password), and says when
/// it cannot ([`crate::convert::ConvertError::PasswordProtected`]), so it is let through.
fn magic_matches(ext: &str, head: &[u8]) -> bool {
    use crate::convert::{OLE2, ZIP};
    const RTF: &[u8] = b"{\\rtf";
    match ext {
        "doc" => head.starts_with(OLE2) || head.starts_with(RTF),
        "xls" | "ppt" => head.starts_with(OLE2),
        "rtf" => head.starts_with(RTF),
        "docx" | "xlsx" | "pptx" => head.starts_with(ZIP) || head.starts_with(OLE2),
        _ => head.starts_with(ZIP),
    }
}

const COLS: &str = "id, meeting_id, document_id, replaces, agenda_item_id, title, filename, original_size, state,
                    error_code, error_message, created_at";

fn row(r: &Row<'_>) -> crate::store::StoreResult<Conversion> {
    let opt_uuid = |i: usize| -> crate::store::StoreResult<Option<Uuid>> {
        Ok(r.get::<_, Option<String>>(i)?.and_then(|s| Uuid::parse_str(&s).ok()))
    };
    let state: String = r.get(8)?;
    let code: Option<String> = r.get(9)?;
    let message: Option<String> = r.get(10)?;
    Ok(Conversion {
        id: opt_uuid(0)?.unwrap_or_default(),
        meeting_id: opt_uuid(1)?.unwrap_or_default(),
        document_id: opt_uuid(2)?,
        replaces: r.get(3)?,
        agenda_item_id: opt_uuid(4)?,
        title: r.get(5)?,
        filename: r.get(6)?,
        size: r.get(7)?,
        state: ConversionState::parse(&state).unwrap_or(ConversionState::Failed),
        error: code.map(|c| ApiError {
            code: serde_json::from_value(serde_json::Value::String(c)).unwrap_or(ErrorCode::Unknown),
            message: message.unwrap_or_default(),
        }),
        created_at: model::parse_ts(&r.get::<_, String>(11)?),
    })
}

fn load(tx: &Tx<'_>, id: &str) -> AppResult<Option<Conversion>> {
    Ok(tx.query_opt(&format!("SELECT {COLS} FROM conversions WHERE id = ?1"), [id], row)?)
}

/// Accepts an office file for conversion. Refuses at once (never queues) when there is
/// no converter or the file is plainly not what its name says.
pub async fn accept(
    state: &AppState,
    actor: &AuthUser,
    target: Target,
    filename: String,
    ext: String,
    received: Received,
) -> AppResult<Conversion> {
    if !state.converter.is_available() {
        return Err(AppError::conversion(&ConvertError::Unavailable));
    }
    if !magic_matches(&ext, &received.head) {
        return Err(AppError::conversion(&ConvertError::Damaged(ext.to_ascii_uppercase())));
    }
    let (sha, size) = (received.sha256.clone(), received.size);
    state.blobs.commit(received).await?;
    let actor2 = actor.clone();
    let conversion = state
        .db
        .write(move |tx| {
            let (mid, document_id, agenda, title, confidential) = match &target {
                Target::New(n) => {
                    let mid = n.meeting_id.to_string();
                    documents::check_target(tx, &actor2, &mid, n.agenda_item_id)?;
                    (mid, None, n.agenda_item_id, n.title.clone(), n.confidential)
                }
                Target::Version(d) => {
                    let (mid, doc) = documents::editable(tx, &actor2, *d)?;
                    (mid, Some(doc.id), doc.agenda_item_id, doc.title, doc.confidential)
                }
            };
            let id = Uuid::now_v7().to_string();
            tx.execute(
                "INSERT INTO conversions (id, meeting_id, document_id, replaces, agenda_item_id, title, confidential,
                                          filename, original_sha256, original_size, state, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', ?11, ?12)",
                params![
                    id,
                    mid,
                    document_id.map(|d| d.to_string()),
                    document_id.is_some(),
                    agenda.map(|a| a.to_string()),
                    title,
                    confidential,
                    filename,
                    sha,
                    size as i64,
                    actor2.id(),
                    model::fmt_ts(OffsetDateTime::now_utc())
                ],
            )?;
            load(tx, &id)?.ok_or_else(|| AppError::not_found("conversion"))
        })
        .await?;
    tokio::spawn(run(state.clone(), conversion.id));
    Ok(conversion)
}

/// What a queued conversion needs to run.
struct Work {
    conversion: Conversion,
    confidential: bool,
    original_sha: String,
    created_by: String,
}

fn work(tx: &Tx<'_>, id: &str) -> AppResult<Option<Work>> {
    let Some(conversion) = load(tx, id)? else { return Ok(None) };
    let (confidential, original_sha, created_by) =
        tx.query_row("SELECT confidential, original_sha256, created_by FROM conversions WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    Ok(Some(Work { conversion, confidential, original_sha, created_by }))
}

fn set_state(tx: &Tx<'_>, id: &str, state: ConversionState, result: Result<Option<Uuid>, &AppError>) -> AppResult<()> {
    let finished = state.is_final().then(|| model::fmt_ts(OffsetDateTime::now_utc()));
    let (doc, code, message) = match result {
        Ok(doc) => (doc.map(|d| d.to_string()), None, None),
        Err(e) => {
            let (code, message) = e.code_and_message();
            (None, Some(code.as_str().to_owned()), Some(message))
        }
    };
    tx.execute(
        "UPDATE conversions SET state = ?2, document_id = COALESCE(?3, document_id), error_code = ?4,
                error_message = ?5, finished_at = ?6 WHERE id = ?1",
        params![id, state.as_str(), doc, code, message, finished],
    )?;
    Ok(())
}

/// Runs one conversion to its end, recording the outcome. Never fails: every failure
/// becomes the conversion's state, with its code. A conversion another instance holds
/// (its lease running) is left to it.
pub async fn run(state: AppState, id: Uuid) {
    let key = id.to_string();
    // While this instance works on it, it renews its claim: a lease runs out only when
    // the instance is gone, however long the file waits for a free converter.
    let work = convert_and_ingest(&state, &key);
    tokio::pin!(work);
    let mut renew = tokio::time::interval(lease_check(&state));
    renew.tick().await;
    let result = loop {
        tokio::select! {
            r = &mut work => break r,
            _ = renew.tick() => {
                let (k, me) = (key.clone(), state.instance_id.to_string());
                let until = lease_until(&state);
                let renewed = state.db.write(move |tx| {
                    tx.execute(
                        "UPDATE conversions SET lease_until = ?3 WHERE id = ?1 AND claimed_by = ?2 AND state = 'converting'",
                        [&k, &me, &until],
                    )?;
                    Ok(())
                });
                if let Err(e) = renewed.await {
                    tracing::warn!(conversion = %key, error = %e, "renewing the conversion's claim");
                }
            }
        }
    };
    let outcome = match result {
        Err(Claim::Held) => return,
        Err(Claim::Failed(e)) => Err(e),
        Ok(doc) => Ok(doc),
    };
    let (k, me) = (key.clone(), state.instance_id.to_string());
    let recorded = state
        .db
        .write(move |tx| {
            let result = match &outcome {
                Ok(doc) => set_state(tx, &k, ConversionState::Ready, Ok(Some(*doc))),
                Err(e) => set_state(tx, &k, ConversionState::Failed, Err(e)),
            };
            tx.execute("UPDATE conversions SET lease_until = NULL WHERE id = ?1 AND claimed_by = ?2", [&k, &me])?;
            result
        })
        .await;
    if let Err(e) = recorded {
        tracing::error!(conversion = %key, error = %e, "could not record the conversion's outcome");
    }
}

/// Why a conversion was not converted here.
enum Claim {
    /// Another instance holds it (or it is done).
    Held,
    /// It failed: recorded as its outcome.
    Failed(AppError),
}

impl<E: Into<AppError>> From<E> for Claim {
    fn from(e: E) -> Self {
        Self::Failed(e.into())
    }
}

/// How often an instance renews the claims it works on, and looks for conversions
/// nobody works on: a third of the lease (a claim not renewed for a whole lease belongs
/// to an instance that is gone).
fn lease_check(state: &AppState) -> std::time::Duration {
    (state.config.converter.lease / 3).max(std::time::Duration::from_millis(500))
}

fn lease_until(state: &AppState) -> String {
    let lease = time::Duration::try_from(state.config.converter.lease).unwrap_or(time::Duration::seconds(90));
    model::fmt_ts(OffsetDateTime::now_utc() + lease)
}

async fn convert_and_ingest(state: &AppState, key: &str) -> Result<Uuid, Claim> {
    let (k, me, until) = (key.to_owned(), state.instance_id.to_string(), lease_until(state));
    let work = state
        .db
        .write(move |tx| {
            let now = OffsetDateTime::now_utc();
            // Writers are serialised: of instances asking at once, one claims it.
            let claimed = tx.execute(
                "UPDATE conversions SET state = 'converting', claimed_by = ?2, lease_until = ?3
                  WHERE id = ?1 AND (state = 'queued' OR (state = 'converting' AND lease_until < ?4))",
                params![k, me, until, model::fmt_ts(now)],
            )?;
            if claimed == 0 {
                return Ok(None);
            }
            let w = work(tx, &k)?.ok_or_else(|| AppError::not_found("conversion"))?;
            let actor = crate::auth::user_by_id(tx, &w.created_by)?.ok_or_else(|| AppError::not_found("user"))?;
            Ok(Some((w, AuthUser { user: actor, token_id: Uuid::nil() })))
        })
        .await?;
    let Some((w, actor)) = work else { return Err(Claim::Held) };
    let c = &w.conversion;
    let ext = office_extension(&c.filename).unwrap_or_else(|| "docx".into());
    let original = state.blobs.local(&w.original_sha).await?;
    let converted = state.converter.convert(original.path(), &ext).await.map_err(|e| AppError::conversion(&e))?;
    drop(original);
    let file = tokio::fs::File::open(&converted.pdf).await?;
    let received = state
        .blobs
        .receive(tokio_util::io::ReaderStream::new(file), state.config.max_upload_bytes.saturating_mul(4))
        .await?;
    drop(converted);
    let stem = c.filename.rsplit_once('.').map_or(c.filename.as_str(), |(s, _)| s);
    let target = match (c.replaces, c.document_id) {
        (true, Some(d)) => Target::Version(d),
        _ => Target::New(NewDocument {
            meeting_id: c.meeting_id,
            agenda_item_id: c.agenda_item_id,
            title: c.title.clone(),
            confidential: w.confidential,
        }),
    };
    let original = Original { sha256: w.original_sha.clone(), filename: c.filename.clone(), size: c.size as u64 };
    let doc = documents::ingest_pdf(state, &actor, target, format!("{stem}.pdf"), received, Some(original)).await?;
    Ok(doc.id)
}

/// One conversion, for whoever may edit its meeting.
pub fn get(tx: &Tx<'_>, actor: &AuthUser, id: Uuid) -> AppResult<Conversion> {
    let c = load(tx, &id.to_string())?.ok_or_else(|| AppError::not_found("conversion"))?;
    model::editable_meeting(tx, actor, &c.meeting_id.to_string()).map_err(|e| e.renamed_not_found("conversion"))?;
    Ok(c)
}

/// A meeting's conversions, newest first.
pub fn of_meeting(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Vec<Conversion>> {
    let mid = meeting_id.to_string();
    model::editable_meeting(tx, actor, &mid)?;
    Ok(tx.query_map(
        &format!("SELECT {COLS} FROM conversions WHERE meeting_id = ?1 ORDER BY created_at DESC, id DESC"),
        [mid],
        row,
    )?)
}

/// Conversions nobody is converting: queued ones (their instance may have stopped
/// before it began; if not, the claim decides who converts), and claimed ones past their
/// lease (their instance stopped mid-way) — or every claimed one, when no other instance
/// can hold one (`every_claim`).
fn orphaned(tx: &Tx<'_>, every_claim: bool) -> AppResult<Vec<String>> {
    let now = model::fmt_ts(OffsetDateTime::now_utc());
    Ok(tx.query_map(
        "SELECT id FROM conversions
          WHERE state = 'queued'
             OR (state = 'converting' AND (?2 = 1 OR lease_until IS NULL OR lease_until < ?1))
          ORDER BY created_at",
        params![now, every_claim],
        |r| r.get(0),
    )?)
}

/// Starts again the conversions a stopped server left unfinished, then keeps looking
/// for those a stopped instance left, so that another finishes them once its lease has
/// run out.
pub async fn resume_pending(state: &AppState) -> AppResult<usize> {
    // On SQLite this is the only instance: every claim is a past life's. On PostgreSQL
    // a claim whose lease runs may be another instance's at work.
    let single = state.db.backend() == crate::store::Backend::Sqlite;
    if single {
        state
            .db
            .write(|tx| {
                tx.execute("UPDATE conversions SET state = 'queued' WHERE state = 'converting'", ())?;
                Ok(())
            })
            .await?;
    }
    let ids: Vec<String> = state.db.read(|tx| orphaned(tx, false)).await?;
    for id in &ids {
        if let Ok(id) = Uuid::parse_str(id) {
            tokio::spawn(run(state.clone(), id));
        }
    }
    let st = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(lease_check(&st));
        tick.tick().await;
        loop {
            tick.tick().await;
            let Ok(ids) = st.db.read(|tx| orphaned(tx, false)).await else { continue };
            for id in ids.iter().filter_map(|id| Uuid::parse_str(id).ok()) {
                // One at a time: this instance's converter takes its own uploads too.
                run(st.clone(), id).await;
            }
        }
    });
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_and_magic() {
        assert_eq!(office_extension("Báo cáo.DOCX").as_deref(), Some("docx"));
        assert_eq!(office_extension("bang.xls").as_deref(), Some("xls"));
        assert_eq!(office_extension("a.pdf"), None);
        assert_eq!(office_extension("noext"), None);
        assert!(magic_matches("docx", b"PK\x03\x04rest"));
        assert!(!magic_matches("docx", b"%PDF-1.7"));
        assert!(magic_matches("doc", b"{\\rtf1\\ansi"));
        assert!(!magic_matches("xls", b"PK\x03\x04"));
    }
}
