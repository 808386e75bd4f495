//! Who sees a meeting, and telling those whose sight of it changes. A participant
//! outside the meeting's secretariat sees nothing of a draft; publishing, unpublishing
//! and role changes move people across that line, and each crossing becomes a grant
//! (the whole meeting re-announced to them alone) or a purge in the feed.

use crate::store::Tx;

use crate::error::AppResult;
use crate::feed;

/// Every participant of the meeting and whether they may see it now.
pub fn sight(tx: &Tx<'_>, meeting_id: &str) -> AppResult<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for p in crate::store::meetings::participants_of(tx, meeting_id)? {
        let uid = p.user_id.to_string();
        let sees = crate::store::meetings::may_see_meeting(tx, meeting_id, &uid)?;
        out.push((uid, sees));
    }
    Ok(out)
}

/// After a change: grants the meeting to whoever sees it now and did not (or was not a
/// participant) before, and purges it for whoever saw it and no longer does.
pub fn announce_changes(tx: &Tx<'_>, meeting_id: &str, before: &[(String, bool)]) -> AppResult<()> {
    for (uid, sees) in sight(tx, meeting_id)? {
        let saw = before.iter().find(|(u, _)| *u == uid).is_some_and(|(_, s)| *s);
        if sees && !saw {
            feed::record_grant(tx, meeting_id, &uid)?;
        } else if saw && !sees {
            feed::record_purge(tx, meeting_id, &uid)?;
        }
    }
    Ok(())
}
