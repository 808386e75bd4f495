//! Office files through the converter: accepted at once (the original kept as a blob, a
//! `conversions` row in `queued`), converted in the background by
//! [`crate::convert::Converter`], and finished through [`super::documents::ingest_pdf`]
//! like any PDF upload. A server restarted mid-conversion picks the work up again.

use crate::store::{Tx, conversions};
use meeting_protocol::{Conversion, ConversionState};
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

fn load(tx: &Tx<'_>, id: &Uuid) -> AppResult<Option<Conversion>> {
    Ok(conversions::get(tx, id)?)
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
    let (actor2, blobs) = (actor.clone(), state.blobs.clone());
    let conversion = state
        .db
        .write(move |tx| {
            // Still there under the writers' turn: see `blobs::sweep`.
            blobs.ensure_blocking(&sha)?;
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
            let uid = actor2.id();
            let new = conversions::NewConversion {
                id: Uuid::now_v7(),
                meeting_id: &mid,
                document_id,
                agenda_item_id: agenda,
                title: &title,
                confidential,
                filename: &filename,
                original_sha256: &sha,
                original_size: size,
                created_by: &uid,
                created_at: OffsetDateTime::now_utc(),
            };
            conversions::insert(tx, &new)?;
            load(tx, &new.id)?.ok_or_else(|| AppError::not_found("conversion"))
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

fn work(tx: &Tx<'_>, id: &Uuid) -> AppResult<Option<Work>> {
    let Some(conversion) = load(tx, id)? else { return Ok(None) };
    let (confidential, original_sha, created_by) = conversions::work(tx, id)?;
    Ok(Some(Work { conversion, confidential, original_sha, created_by }))
}

fn set_state(tx: &Tx<'_>, id: &Uuid, state: ConversionState, result: Result<Option<Uuid>, &AppError>) -> AppResult<()> {
    let finished = state.is_final().then(OffsetDateTime::now_utc);
    match result {
        Ok(doc) => conversions::set_state(tx, id, state, doc, None, finished)?,
        Err(e) => {
            let (code, message) = e.code_and_message();
            conversions::set_state(tx, id, state, None, Some((code.as_str(), &message)), finished)?;
        }
    }
    Ok(())
}

/// Runs one conversion to its end, recording the outcome. Never fails: every failure
/// becomes the conversion's state, with its code. A conversion another instance holds
/// (its lease running) is left to it.
pub async fn run(state: AppState, id: Uuid) {
    let key = id.to_string();
    // While this instance works on it, it renews its claim: a lease runs out only when
    // the instance is gone, however long the file waits for a free converter.
    let work = convert_and_ingest(&state, id);
    tokio::pin!(work);
    let mut renew = tokio::time::interval(lease_check(&state));
    renew.tick().await;
    let result = loop {
        tokio::select! {
            r = &mut work => break r,
            _ = renew.tick() => {
                let me = state.instance_id.to_string();
                let until = lease_until(&state);
                let renewed = state.db.write(move |tx| Ok(conversions::renew(tx, &id, &me, until)?));
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
    let me = state.instance_id.to_string();
    let recorded = state
        .db
        .write(move |tx| {
            let result = match &outcome {
                Ok(doc) => set_state(tx, &id, ConversionState::Ready, Ok(Some(*doc))),
                Err(e) => set_state(tx, &id, ConversionState::Failed, Err(e)),
            };
            conversions::release(tx, &id, &me)?;
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

fn lease_until(state: &AppState) -> OffsetDateTime {
    let lease = time::Duration::try_from(state.config.converter.lease).unwrap_or(time::Duration::seconds(90));
    OffsetDateTime::now_utc() + lease
}

async fn convert_and_ingest(state: &AppState, id: Uuid) -> Result<Uuid, Claim> {
    let (me, until) = (state.instance_id.to_string(), lease_until(state));
    let work = state
        .db
        .write(move |tx| {
            // Writers are serialised: of instances asking at once, one claims it.
            if !conversions::claim(tx, &id, &me, until, OffsetDateTime::now_utc())? {
                return Ok(None);
            }
            let w = work(tx, &id)?.ok_or_else(|| AppError::not_found("conversion"))?;
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
    let c = load(tx, &id)?.ok_or_else(|| AppError::not_found("conversion"))?;
    model::editable_meeting(tx, actor, &c.meeting_id.to_string()).map_err(|e| e.renamed_not_found("conversion"))?;
    Ok(c)
}

/// A meeting's conversions, newest first.
pub fn of_meeting(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Vec<Conversion>> {
    let mid = meeting_id.to_string();
    model::editable_meeting(tx, actor, &mid)?;
    Ok(conversions::of_meeting(tx, &mid)?)
}

/// Conversions nobody is converting: queued ones (their instance may have stopped
/// before it began; if not, the claim decides who converts), and claimed ones past their
/// lease (their instance stopped mid-way) — or every claimed one, when no other instance
/// can hold one (`every_claim`).
fn orphaned(tx: &Tx<'_>, every_claim: bool) -> AppResult<Vec<Uuid>> {
    Ok(conversions::orphaned(tx, every_claim, OffsetDateTime::now_utc())?)
}

/// Starts again the conversions a stopped server left unfinished, then keeps looking
/// for those a stopped instance left, so that another finishes them once its lease has
/// run out.
pub async fn resume_pending(state: &AppState) -> AppResult<usize> {
    // On SQLite this is the only instance: every claim is a past life's. On PostgreSQL
    // a claim whose lease runs may be another instance's at work.
    let single = state.db.backend() == crate::store::Backend::Sqlite;
    if single {
        state.db.write(|tx| Ok(conversions::requeue_claimed(tx)?)).await?;
    }
    let ids = state.db.read(|tx| orphaned(tx, false)).await?;
    for id in &ids {
        tokio::spawn(run(state.clone(), *id));
    }
    let st = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(lease_check(&st));
        tick.tick().await;
        loop {
            tick.tick().await;
            let Ok(ids) = st.db.read(|tx| orphaned(tx, false)).await else { continue };
            for id in ids {
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
