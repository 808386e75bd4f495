//! Minutes (biên bản) and the conclusion notice (thông báo kết luận) from a device: the
//! calls the secretariat and the chair make. The
//! record is the server's (it is built from the room); approved minutes reach every
//! participant's device as a document of the meeting, with the sync.

use meeting_protocol::{Conclusion, ConclusionEdit, ConclusionIssue, LateConclusion, Minutes, MinutesEdit};
use reqwest::Method;
use uuid::Uuid;

use crate::Profile;
use crate::api::Api;
use crate::error::Result;

/// The minutes' calls on a profile's session.
pub struct MinutesCalls {
    api: Api,
}

impl MinutesCalls {
    /// The calls on `profile`'s session.
    pub fn new(profile: &Profile) -> Result<Self> {
        let store = profile.store()?;
        Ok(Self { api: profile.api(&store)? })
    }

    /// Makes (or refreshes) the draft from the room's record, keeping the text written.
    pub async fn draft(&self, meeting: Uuid) -> Result<Minutes> {
        self.api.call_json(Method::POST, &format!("/meetings/{meeting}/minutes/draft"), None).await
    }

    /// The minutes as this user may read them.
    pub async fn show(&self, meeting: Uuid) -> Result<Minutes> {
        self.api.call_json(Method::GET, &format!("/meetings/{meeting}/minutes"), None).await
    }

    /// Every version.
    pub async fn versions(&self, meeting: Uuid) -> Result<Vec<Minutes>> {
        self.api.call_json(Method::GET, &format!("/meetings/{meeting}/minutes/versions"), None).await
    }

    /// Changes the secretary's text.
    pub async fn edit(&self, meeting: Uuid, edit: &MinutesEdit) -> Result<Minutes> {
        let body = serde_json::to_value(edit).ok();
        self.api.call_json(Method::PATCH, &format!("/meetings/{meeting}/minutes"), body).await
    }

    /// The chair approves.
    pub async fn approve(&self, meeting: Uuid) -> Result<Minutes> {
        self.api.call_json(Method::POST, &format!("/meetings/{meeting}/minutes/approve"), None).await
    }

    /// The minutes as a PDF (NĐ 30 layout).
    pub async fn pdf(&self, meeting: Uuid) -> Result<Vec<u8>> {
        self.api.get_bytes(&format!("/meetings/{meeting}/minutes/pdf")).await
    }

    /// Makes (or refreshes) the conclusion notice's draft from the minutes.
    pub async fn draft_conclusion(&self, meeting: Uuid) -> Result<Conclusion> {
        self.api.call_json(Method::POST, &format!("/meetings/{meeting}/conclusion/draft"), None).await
    }

    /// The conclusion notice.
    pub async fn conclusion(&self, meeting: Uuid) -> Result<Conclusion> {
        self.api.call_json(Method::GET, &format!("/meetings/{meeting}/conclusion"), None).await
    }

    /// Changes the notice's draft.
    pub async fn edit_conclusion(&self, meeting: Uuid, edit: &ConclusionEdit) -> Result<Conclusion> {
        let body = serde_json::to_value(edit).ok();
        self.api.call_json(Method::PATCH, &format!("/meetings/{meeting}/conclusion"), body).await
    }

    /// Issues the notice with its number.
    pub async fn issue_conclusion(&self, meeting: Uuid, number: &str) -> Result<Conclusion> {
        let body = serde_json::to_value(ConclusionIssue { number: number.to_owned() }).ok();
        self.api.call_json(Method::POST, &format!("/meetings/{meeting}/conclusion/issue"), body).await
    }

    /// The user's meetings whose notice is late.
    pub async fn late_conclusions(&self) -> Result<Vec<LateConclusion>> {
        self.api.call_json(Method::GET, "/conclusions/late", None).await
    }
}
