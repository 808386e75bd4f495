//! The meeting's opinions (marks leaders shared with the secretariat or with everyone)
//! as this device has them, with the secretariat's "handled" state from the feed, so a
//! secretary reads and follows them up offline too. Built from the local store alone:
//! the same annotations, documents and agenda the rest of the app shows.

use meeting_protocol::{Opinion, OpinionState, Visibility};

use crate::error::{ClientError, Result};
use crate::store::{Store, parse};

impl Store {
    /// Follow-up states of a meeting's opinions, by annotation id.
    pub fn opinion_states(&self, meeting_id: &str) -> Result<Vec<OpinionState>> {
        let mut stmt = self.conn().prepare("SELECT data FROM opinion_states WHERE meeting_id = ?1")?;
        let rows = stmt.query_map([meeting_id], |r| parse::<OpinionState>(&r.get::<_, String>(0)?))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The meeting's opinions on this device, in agenda order, then document, page, time.
pub fn local(store: &Store, meeting_id: &str) -> Result<Vec<Opinion>> {
    let meeting = store
        .meeting(meeting_id)?
        .ok_or_else(|| ClientError::NotFound(format!("meeting {meeting_id} is not on this device")))?;
    let states = store.opinion_states(meeting_id)?;
    let mut docs = Vec::new();
    for item in &meeting.agenda {
        for d in &item.documents {
            docs.push((
                Some(item.item.position),
                Some(item.item.id),
                Some(item.item.title.clone()),
                d.document.clone(),
            ));
        }
    }
    for d in &meeting.other_documents {
        docs.push((None, None, None, d.document.clone()));
    }
    let mut out: Vec<(i64, Opinion)> = Vec::new();
    for la in store.annotations(Some(meeting_id))? {
        let a = la.annotation;
        if a.deleted || a.visibility == Visibility::Private {
            continue;
        }
        let doc = a.document_id.and_then(|id| docs.iter().find(|(_, _, _, d)| d.id == id));
        let item = match (doc, a.agenda_item_id) {
            (Some((pos, id, title, _)), _) => (pos.unwrap_or(i64::MAX), *id, title.clone()),
            (None, Some(i)) => match meeting.agenda.iter().find(|x| x.item.id == i) {
                Some(x) => (x.item.position, Some(i), Some(x.item.title.clone())),
                None => (i64::MAX, Some(i), None),
            },
            (None, None) => (i64::MAX, None, None),
        };
        out.push((
            item.0,
            Opinion {
                author_name: la.author_name.unwrap_or_default(),
                agenda_item_id: item.1,
                agenda_item_title: item.2,
                document_title: doc.map(|(_, _, _, d)| d.title.clone()),
                quote: a.anchor.as_ref().map(|x| x.quote.clone()).filter(|q| !q.is_empty()),
                page: a.page.map(|p| p + 1),
                state: states.iter().find(|s| s.annotation_id == a.id).cloned(),
                annotation: a,
            },
        ));
    }
    out.sort_by(|(p, x), (q, y)| {
        (p, &x.document_title, x.page, x.annotation.created_at).cmp(&(
            q,
            &y.document_title,
            y.page,
            y.annotation.created_at,
        ))
    });
    Ok(out.into_iter().map(|(_, o)| o).collect())
}
