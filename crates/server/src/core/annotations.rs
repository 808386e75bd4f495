//! Annotations: the idempotent push's rules, and who may see what.
//!
//! A push is a batch of ops applied in order inside one write transaction. Each op is
//! answered on its own (applied, duplicate, conflict, rejected) so one stale or
//! forbidden change never blocks the rest of a device's outbox. Every applied op is
//! remembered by its `op_id`: the same op pushed again after a lost answer changes
//! nothing and is answered as a duplicate.
//!
//! Visibility is enforced in the feed: every write records the change for the union of
//! who could see the annotation before and after it, and the feed resolves the state per
//! reader at read time, so a reader who may no longer see it gets a delete.

use meeting_protocol::{Annotation, AnnotationOp, Entity, EntityKind, OpOutcome, OpResult, Shape, Visibility};
use uuid::Uuid;

use crate::auth::{AuthUser, now_unix};
use crate::error::{AppError, AppResult};
use crate::feed;
use crate::store::{self, Tx};

/// The feed's annotations: each reader gets one only while they may see it.
pub const FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, reader, _, id| match load(tx, id)? {
        Some(a) if may_see(tx, &a, reader)? => Ok(Some(Entity::Annotation(Box::new(a.annotation)))),
        _ => Ok(None),
    },
    whole: None,
    grant: |tx, mid, user| {
        let mut keys = Vec::new();
        for id in store::annotations::live_ids(tx, mid)? {
            if let Some(stored) = load(tx, &id)?
                && may_see(tx, &stored, user)?
            {
                keys.push(id);
            }
        }
        Ok(keys)
    },
};

/// The stored annotation with the columns access depends on.
pub struct Stored {
    /// The annotation as last accepted.
    pub annotation: Annotation,
    /// Its author.
    pub author_id: String,
    /// Who else may see it.
    pub visibility: Visibility,
}

/// Loads an annotation by id.
pub fn load(tx: &Tx<'_>, id: &str) -> AppResult<Option<Stored>> {
    let Some((data, author_id, visibility)) = store::annotations::row(tx, id)? else { return Ok(None) };
    let annotation =
        serde_json::from_str(&data).map_err(|e| AppError::Stored(format!("annotation {id} does not parse: {e}")))?;
    let visibility = Visibility::parse(&visibility)
        .ok_or_else(|| AppError::Stored(format!("annotation {id} has an unknown visibility {visibility:?}")))?;
    Ok(Some(Stored { annotation, author_id, visibility }))
}

/// True when `user_id` may see the stored annotation now.
pub fn may_see(tx: &Tx<'_>, stored: &Stored, user_id: &str) -> AppResult<bool> {
    let meeting = stored.annotation.meeting_id.to_string();
    if !crate::store::meetings::may_see_meeting(tx, &meeting, user_id)? {
        return Ok(false);
    }
    Ok(match stored.visibility {
        _ if stored.author_id == user_id => true,
        Visibility::Participants => true,
        Visibility::Secretariat => crate::store::meetings::is_secretariat(tx, &meeting, user_id)?,
        Visibility::Private => false,
    })
}

/// Who the feed must tell about a write: `None` is every participant.
fn audience(tx: &Tx<'_>, meeting_id: &str, author: &str, v: Visibility) -> AppResult<Option<Vec<String>>> {
    Ok(match v {
        Visibility::Participants => None,
        Visibility::Private => Some(vec![author.to_owned()]),
        Visibility::Secretariat => {
            let mut users = crate::store::meetings::secretariat_of(tx, meeting_id)?;
            users.push(author.to_owned());
            Some(users)
        }
    })
}

/// Records a write for everyone who could see the annotation before or after it.
fn announce(tx: &Tx<'_>, meeting_id: &str, id: &str, author: &str, sides: &[Visibility]) -> AppResult<()> {
    let mut users: Vec<String> = Vec::new();
    for &v in sides {
        match audience(tx, meeting_id, author, v)? {
            None => {
                feed::record(tx, meeting_id, EntityKind::Annotation, id, None)?;
                return Ok(());
            }
            Some(u) => users.extend(u),
        }
    }
    users.sort();
    users.dedup();
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    feed::record_for(tx, meeting_id, EntityKind::Annotation, id, &users)
}

fn answer(op_id: Uuid, outcome: OpOutcome, status: u16, version: i64, annotation: Option<Annotation>) -> OpResult {
    OpResult { op_id, outcome, status, version, annotation }
}

/// Why an op cannot be applied at all, if it cannot.
fn refusal(tx: &Tx<'_>, caller: &AuthUser, a: &Annotation) -> AppResult<Option<(u16, String)>> {
    let meeting = a.meeting_id.to_string();
    if !crate::store::meetings::may_see_meeting(tx, &meeting, &caller.id())? {
        return Ok(Some((404, "meeting".into())));
    }
    let on_page = !matches!(a.shape, Shape::ItemNote);
    match (a.document_id, on_page) {
        (Some(doc), true) => {
            if crate::store::documents::document_meeting(tx, &doc.to_string())?.as_deref() != Some(meeting.as_str()) {
                return Ok(Some((404, "document".into())));
            }
            if a.page.is_none() || !a.document_sha256.as_deref().is_some_and(meeting_protocol::is_sha256_hex) {
                return Ok(Some((400, "a page mark needs its page and the document version's sha256".into())));
            }
        }
        (_, false) => {
            let item = a.agenda_item_id.map(|i| i.to_string()).unwrap_or_default();
            if crate::store::meetings::agenda_meeting(tx, &item)?.as_deref() != Some(meeting.as_str()) {
                return Ok(Some((404, "agenda item".into())));
            }
        }
        (None, true) => return Ok(Some((400, "a page mark needs its document".into()))),
    }
    // (A NaN opacity is outside the range too.)
    if !(0.0..=1.0).contains(&a.opacity) || a.text.len() > 64 * 1024 {
        return Ok(Some((400, "opacity must be 0..1 and text at most 64 KiB".into())));
    }
    Ok(None)
}

/// Applies one op of a push (see the module docs): its own answer, never an error for
/// a stale or forbidden change.
pub fn apply(tx: &Tx<'_>, caller: &AuthUser, op: AnnotationOp) -> AppResult<OpResult> {
    let id = op.annotation.id.to_string();
    if let Some(version) = store::annotations::applied_op(tx, &op.op_id.to_string())?
        && let Some(stored) = load(tx, &id)?
    {
        return Ok(answer(op.op_id, OpOutcome::Duplicate, 200, version, Some(stored.annotation)));
    }
    if let Some((status, why)) = refusal(tx, caller, &op.annotation)? {
        tracing::info!(op = %op.op_id, %status, %why, "annotation op rejected");
        return Ok(answer(op.op_id, OpOutcome::Rejected, status, 0, None));
    }
    let current = load(tx, &id)?;
    let mut next = op.annotation.clone();
    next.author_id = caller.user.id;
    let (status, before) = match &current {
        None => {
            next.version = 1;
            (201, None)
        }
        Some(cur) if cur.author_id != caller.id() || cur.annotation.meeting_id != next.meeting_id => {
            return Ok(answer(op.op_id, OpOutcome::Rejected, 403, 0, None));
        }
        Some(cur) if cur.annotation.version != op.base_version => {
            return Ok(answer(op.op_id, OpOutcome::Conflict, 412, 0, Some(cur.annotation.clone())));
        }
        Some(cur) => {
            next.version = cur.annotation.version + 1;
            (200, Some(cur.visibility))
        }
    };
    let data = serde_json::to_string(&next)
        .map_err(|e| AppError::Stored(format!("annotation {id} does not serialise: {e}")))?;
    let (meeting_id, document_id, author_id) =
        (next.meeting_id.to_string(), next.document_id.map(|d| d.to_string()), caller.id());
    let write = store::annotations::Write {
        id: &id,
        meeting_id: &meeting_id,
        document_id: document_id.as_deref(),
        author_id: &author_id,
        visibility: next.visibility.as_str(),
        version: next.version,
        deleted: next.deleted,
        data: &data,
    };
    store::annotations::save(tx, &write, &op.op_id.to_string(), status, now_unix())?;
    let sides: Vec<Visibility> = before.into_iter().chain([next.visibility]).collect();
    announce(tx, &next.meeting_id.to_string(), &id, &caller.id(), &sides)?;
    Ok(answer(op.op_id, OpOutcome::Applied, status, next.version, None))
}
