//! The conclusion notice (thông báo kết luận, TB): the chair's conclusions per agenda
//! item, issued in writing within 5 working days after the meeting (Quyết định
//! 45/2018/QĐ-TTg), with its signer and recipients, in the layout of Nghị định
//! 30/2020/NĐ-CP. Its points are where tasks come from (`TaskSource::Conclusion`).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::calendar::{day_format, opt_day_format};

/// Where a notice stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConclusionState {
    /// Being written.
    Draft,
    /// Issued: numbered, dated, a document of the meeting.
    Issued,
}

/// One point of the notice.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConclusionPoint {
    /// Its number, from 1 (tasks name it).
    pub number: u32,
    /// The agenda item it concludes, if one.
    pub item_id: Option<Uuid>,
    /// The item's title (empty for a general point).
    pub item_title: String,
    /// The conclusion.
    pub text: String,
}

/// Who signs, and with what authority (NĐ 30: TM., KT., Q., TL., TUQ.).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signer {
    /// `TM. ỦY BAN NHÂN DÂN`, `KT. CHỦ TỊCH`, `TL. CHỦ TỊCH`, … (may be empty).
    pub authority: String,
    /// `CHỦ TỊCH`, `PHÓ CHỦ TỊCH`, `CHÁNH VĂN PHÒNG`.
    pub title: String,
    /// The signer's name.
    pub name: String,
}

/// A meeting's conclusion notice.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conclusion {
    /// The meeting.
    pub meeting_id: Uuid,
    /// The meeting's title.
    pub title: String,
    /// When the meeting was.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub meeting_at: OffsetDateTime,
    /// The chair, as the notice names them ("Đồng chí …, Chủ tịch UBND tỉnh").
    pub chair: String,
    /// Where it stands.
    pub state: ConclusionState,
    /// Number and symbol (`12/TB-UBND`), given when issued.
    pub number: String,
    /// The points, in order.
    pub points: Vec<ConclusionPoint>,
    /// Who signs.
    pub signer: Signer,
    /// Recipients (Nơi nhận), one per line.
    pub recipients: Vec<String>,
    /// The last day to issue it: the 5th working day after the meeting.
    #[serde(with = "day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub deadline: Date,
    /// The day it was issued.
    #[serde(with = "opt_day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub issued_on: Option<Date>,
    /// The document it became.
    pub document_id: Option<Uuid>,
}

impl Conclusion {
    /// Late: not issued by its deadline (as of `today`), or issued after it.
    pub fn is_late(&self, today: Date) -> bool {
        match self.issued_on {
            Some(d) => d > self.deadline,
            None => today > self.deadline,
        }
    }
}

/// Changes to a draft notice (`null` keeps a field).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConclusionEdit {
    /// The points, whole.
    #[serde(default)]
    pub points: Option<Vec<ConclusionPoint>>,
    /// The signer.
    #[serde(default)]
    pub signer: Option<Signer>,
    /// The recipients.
    #[serde(default)]
    pub recipients: Option<Vec<String>>,
}

/// Issuing a notice: its number (the office's register gives it).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConclusionIssue {
    /// Number and symbol, e.g. `12/TB-UBND`.
    pub number: String,
}

/// A meeting whose notice is late (for the secretariat's list).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateConclusion {
    /// The meeting.
    pub meeting_id: Uuid,
    /// Its title.
    pub title: String,
    /// When it was.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub meeting_at: OffsetDateTime,
    /// The notice's deadline.
    #[serde(with = "day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub deadline: Date,
    /// Issued late on this day (`None`: not issued yet).
    #[serde(with = "opt_day_format")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub issued_on: Option<Date>,
    /// Working days past the deadline (as of today, or of the issue).
    pub working_days_late: u32,
}
