//! Voting (biểu quyết): the chair opens a vote on an agenda item, each voting member
//! present casts one final ballot, the server counts.
//!
//! A secret ballot's choice is never stored with its voter: the server keeps who has
//! voted and, only when the vote closes, the totals (see the server's `core::votes`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The default choices, in this order: the first is "for" the motion.
pub const DEFAULT_CHOICES: [&str; 3] = ["Đồng ý", "Không đồng ý", "Không biểu quyết"];

/// What a motion needs to pass: its first choice ("for") counted against the voting
/// members present when the vote opened.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VoteThreshold {
    /// More than half of those present.
    #[default]
    Half,
    /// At least two thirds of those present.
    TwoThirds,
}

impl VoteThreshold {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Half => "half",
            Self::TwoThirds => "two_thirds",
        }
    }

    /// Parses the wire name (and `two-thirds`, as typed on a command line).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "half" => Some(Self::Half),
            "two_thirds" | "two-thirds" => Some(Self::TwoThirds),
            _ => None,
        }
    }

    /// Whether `for_votes` of `eligible` pass.
    pub fn passes(self, for_votes: u32, eligible: u32) -> bool {
        let (f, e) = (u64::from(for_votes), u64::from(eligible));
        e > 0
            && match self {
                Self::Half => f * 2 > e,
                Self::TwoThirds => f * 3 >= e * 2,
            }
    }
}

/// Where a vote stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VoteStatus {
    /// Ballots are being cast.
    Open,
    /// Counted; the result is final.
    Closed,
    /// Could not be counted (a secret vote interrupted by a server restart): no result;
    /// the chair opens it again.
    Void,
}

impl VoteStatus {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Void => "void",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "closed" => Some(Self::Closed),
            "void" => Some(Self::Void),
            _ => None,
        }
    }
}

/// A vote (feed key: its id).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Vote {
    /// Id.
    pub id: Uuid,
    /// The meeting.
    pub meeting_id: Uuid,
    /// The agenda item voted on.
    pub agenda_item_id: Uuid,
    /// The question put.
    pub question: String,
    /// The choices, in order; the first is "for" the motion.
    pub choices: Vec<String>,
    /// Secret: nobody, the server included, can tell who chose what.
    pub secret: bool,
    /// What passing needs.
    pub threshold: VoteThreshold,
    /// Where it stands.
    pub status: VoteStatus,
    /// Who opened it.
    pub opened_by: Uuid,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub opened_at: OffsetDateTime,
    /// When it closes by itself, if it was opened with a time limit.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub closes_at: Option<OffsetDateTime>,
    /// When it closed.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub closed_at: Option<OffsetDateTime>,
    /// Who may vote: the voting members present when it opened.
    pub eligible: Vec<Uuid>,
    /// Who has voted so far (never what they chose, for a secret vote).
    pub voted: Vec<Uuid>,
    /// The result, once closed.
    pub result: Option<VoteResult>,
    /// Why a void vote could not be counted.
    #[serde(default)]
    pub void_reason: String,
}

/// The counted result of a closed vote.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoteResult {
    /// Ballots per choice, in the order of [`Vote::choices`].
    pub counts: Vec<u32>,
    /// Ballots cast.
    pub ballots: u32,
    /// Those who could vote (the base of the threshold).
    pub eligible: u32,
    /// Whether the motion passed.
    pub passed: bool,
    /// Who chose what, for a named vote; always empty for a secret one.
    pub named: Vec<NamedBallot>,
}

/// One voter's choice in a named vote.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedBallot {
    /// The voter.
    pub user_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// Index into [`Vote::choices`].
    pub choice: u32,
}

/// `POST /agenda/{item_id}/votes` body.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VoteInput {
    /// The question put.
    pub question: String,
    /// The choices (2–10, the first "for"); absent: [`DEFAULT_CHOICES`].
    #[serde(default)]
    pub choices: Option<Vec<String>>,
    /// A secret ballot.
    #[serde(default)]
    pub secret: bool,
    /// What passing needs.
    #[serde(default)]
    pub threshold: VoteThreshold,
    /// Close by itself after this many seconds (10 s – 1 day); absent: the chair closes it.
    #[serde(default)]
    pub duration_seconds: Option<u32>,
}

/// `POST /votes/{vote_id}/ballots` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BallotInput {
    /// Index into the vote's choices.
    pub choice: u32,
}

#[cfg(test)]
mod tests {
    use super::VoteThreshold;

    #[test]
    fn thresholds_count_against_those_present() {
        assert!(!VoteThreshold::Half.passes(5, 10), "exactly half is not more than half");
        assert!(VoteThreshold::Half.passes(6, 10));
        assert!(!VoteThreshold::TwoThirds.passes(6, 10));
        assert!(VoteThreshold::TwoThirds.passes(2, 3));
        assert!(!VoteThreshold::Half.passes(0, 0), "nobody present passes nothing");
        assert_eq!(VoteThreshold::parse("two-thirds"), Some(VoteThreshold::TwoThirds));
    }
}
