//! Opinions: the marks leaders share (with the secretariat, or with every participant)
//! read as the secretariat's to-do list, and their "handled" state. The state goes into
//! the feed for the meeting's secretariat only, so every secretary's device shows who
//! dealt with what, also offline. Their rows are [`crate::store::opinions`].

use crate::store::{self, Tx};
use meeting_protocol::{Entity, EntityKind, Opinion, OpinionState, Visibility};
use time::OffsetDateTime;
use uuid::Uuid;

use super::annotations::{self, Stored};
use super::audit::{self, Subject, snapshot};
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::{feed, model};

/// The feed's opinion states (key: the annotation): the meeting's secretariat only.
pub const FEED: feed::kinds::Kind = feed::kinds::Kind {
    load: |tx, reader, _, id| {
        if !may_see_state(tx, id, reader)? {
            return Ok(None);
        }
        feed::kinds::some(state(tx, id)?, Entity::OpinionState)
    },
    whole: None,
    grant: |tx, mid, user| {
        if !crate::store::meetings::is_secretariat(tx, mid, user)? {
            return Ok(Vec::new());
        }
        Ok(store::opinions::with_state(tx, mid)?)
    },
};

/// The follow-up state of one annotation, if someone set it.
pub fn state(tx: &Tx<'_>, annotation_id: &str) -> AppResult<Option<OpinionState>> {
    Ok(store::opinions::state(tx, annotation_id)?)
}

/// True when the annotation is an opinion: alive, and shared beyond its author.
fn is_opinion(s: &Stored) -> bool {
    !s.annotation.deleted && s.visibility != Visibility::Private
}

/// Whether `user_id` receives the opinion state in the feed: of the meeting's secretariat,
/// and able to see the annotation.
pub fn may_see_state(tx: &Tx<'_>, annotation_id: &str, user_id: &str) -> AppResult<bool> {
    let Some(stored) = annotations::load(tx, annotation_id)? else { return Ok(false) };
    let mid = stored.annotation.meeting_id.to_string();
    Ok(crate::store::meetings::is_secretariat(tx, &mid, user_id)? && annotations::may_see(tx, &stored, user_id)?)
}

/// The meeting's opinions, in agenda order then document then page, for its secretariat.
pub fn list(tx: &Tx<'_>, actor: &AuthUser, meeting_id: Uuid) -> AppResult<Vec<Opinion>> {
    let mid = meeting_id.to_string();
    model::editable_meeting(tx, actor, &mid)?;
    of_meeting(tx, &actor.id(), &mid)
}

/// The meeting's opinions `reader` may see, in agenda order (no check of who asks: for
/// the minutes, which the secretariat drafts).
pub(crate) fn of_meeting(tx: &Tx<'_>, reader: &str, mid: &str) -> AppResult<Vec<Opinion>> {
    let mid = mid.to_owned();
    let agenda = crate::store::meetings::agenda_of(tx, &mid)?;
    let documents = crate::store::documents::documents_of(tx, &mid)?;
    let ids = store::opinions::shared_ids(tx, &mid)?;
    let mut out = Vec::new();
    for id in ids {
        let Some(stored) = annotations::load(tx, &id)? else { continue };
        if !is_opinion(&stored) || !annotations::may_see(tx, &stored, reader)? {
            continue;
        }
        let a = stored.annotation;
        let doc = a.document_id.and_then(|d| documents.iter().find(|x| x.id == d));
        let item_id = a.agenda_item_id.or(doc.and_then(|d| d.agenda_item_id));
        let item = item_id.and_then(|i| agenda.iter().find(|x| x.id == i));
        let author_name =
            crate::auth::user_by_id(tx, &a.author_id.to_string())?.map(|u| u.display_name).unwrap_or_default();
        out.push(Opinion {
            author_name,
            agenda_item_id: item_id,
            agenda_item_title: item.map(|i| i.title.clone()),
            document_title: doc.map(|d| d.title.clone()),
            quote: a.anchor.as_ref().map(|x| x.quote.clone()).filter(|q| !q.is_empty()),
            page: a.page.map(|p| p + 1),
            state: state(tx, &id)?,
            annotation: a,
        });
    }
    let pos = |o: &Opinion| agenda.iter().find(|i| Some(i.id) == o.agenda_item_id).map_or(i64::MAX, |i| i.position);
    out.sort_by(|x, y| {
        (pos(x), &x.document_title, x.page, x.annotation.created_at).cmp(&(
            pos(y),
            &y.document_title,
            y.page,
            y.annotation.created_at,
        ))
    });
    Ok(out)
}

/// Marks an opinion handled (or open again), telling the secretariat's devices.
pub fn set_handled(tx: &Tx<'_>, actor: &AuthUser, annotation_id: Uuid, handled: bool) -> AppResult<OpinionState> {
    let id = annotation_id.to_string();
    let stored = annotations::load(tx, &id)?.ok_or_else(|| AppError::not_found("opinion"))?;
    let mid = stored.annotation.meeting_id.to_string();
    if !annotations::may_see(tx, &stored, &actor.id())? || !is_opinion(&stored) {
        return Err(AppError::not_found("opinion"));
    }
    model::editable_meeting(tx, actor, &mid).map_err(|e| e.renamed_not_found("opinion"))?;
    let before = state(tx, &id)?;
    store::opinions::set_state(tx, &id, &mid, handled, &actor.id(), OffsetDateTime::now_utc())?;
    announce(tx, &mid, &id)?;
    let after = state(tx, &id)?.ok_or_else(|| AppError::Stored(format!("opinion state {id} vanished")))?;
    let action = if handled { "opinion.handled" } else { "opinion.reopened" };
    audit::record(
        tx,
        actor,
        action,
        &Subject { meeting_id: &mid, kind: "opinion", id: &id },
        before.as_ref().and_then(snapshot),
        snapshot(&after),
    )?;
    Ok(after)
}

/// Records the state's change for each member of the secretariat.
fn announce(tx: &Tx<'_>, mid: &str, annotation_id: &str) -> AppResult<()> {
    let secretariat = crate::store::meetings::secretariat_of(tx, mid)?;
    let audiences: Vec<&str> = secretariat.iter().map(String::as_str).collect();
    feed::record_for(tx, mid, EntityKind::OpinionState, annotation_id, &audiences)
}
