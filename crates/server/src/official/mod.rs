//! Administrative documents the office issues from what the system recorded, in the
//! layout of Nghị định 30/2020/NĐ-CP: the national title and motto, the issuing body,
//! number and symbol, place and date, type and summary, content, signatures. The
//! minutes (biên bản) first; the conclusion notice (thông báo kết luận) will follow the
//! same layout. The writer is [`pdf`]: our own, with Liberation Serif (Times New
//! Roman's metrics) embedded, so the text extracts exactly.
//!
//! The issuing body and place come from the server's environment (`MEETING_OFFICE_BODY`,
//! e.g. "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NAM"; `MEETING_OFFICE_PLACE`, e.g. "Quảng Nam";
//! `MEETING_OFFICE_SYMBOL`, e.g. "UBND").

mod notice;
pub mod pdf;

pub use notice::{conclusion_blocks, conclusion_pdf};

use meeting_protocol::office_time as vn;
use meeting_protocol::{AttendanceStatus, Minutes, MinutesState, ParticipantRole};
use time::OffsetDateTime;

use self::pdf::{Block, Face, Fonts, Para};
use crate::error::AppResult;

/// Who issues the office's documents.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// The issuing body, one line per line (upper case).
    pub body: String,
    /// The place written before the date.
    pub place: String,
    /// The body's symbol in document numbers (`UBND` in `15/BB-UBND`).
    pub symbol: String,
}

impl Letterhead {
    /// From the environment, with neutral defaults.
    pub fn from_env() -> Self {
        let var =
            |k: &str, d: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| d.to_owned());
        Self {
            body: var("MEETING_OFFICE_BODY", "ỦY BAN NHÂN DÂN"),
            place: var("MEETING_OFFICE_PLACE", ""),
            symbol: var("MEETING_OFFICE_SYMBOL", "UBND"),
        }
    }
}

fn hhmm(t: OffsetDateTime) -> String {
    let t = vn(t);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn day(t: OffsetDateTime) -> String {
    let t = vn(t);
    format!("{:02}/{:02}/{:04}", t.day(), u8::from(t.month()), t.year())
}

/// "Quảng Nam, ngày 07 tháng 12 năm 2026" (NĐ 30 writes days and months below 10 with a 0
/// only for 1 and 2; both are kept two-digit here, which registries accept).
fn place_date(place: &str, t: OffsetDateTime) -> String {
    let t = vn(t);
    let date = format!("ngày {:02} tháng {:02} năm {}", t.day(), u8::from(t.month()), t.year());
    if place.is_empty() { capitalise(&date) } else { format!("{place}, {date}") }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn role_vi(r: ParticipantRole) -> &'static str {
    match r {
        ParticipantRole::Chair => "chủ trì",
        ParticipantRole::Member => "thành viên",
        ParticipantRole::Organizer => "thư ký",
    }
}

fn minutes_seconds(s: u32) -> String {
    match (s / 60, s % 60) {
        (0, s) => format!("{s} giây"),
        (m, 0) => format!("{m} phút"),
        (m, s) => format!("{m} phút {s} giây"),
    }
}

/// The letterhead: the issuing body and number on the left, the national title, motto,
/// place and date on the right.
fn header(letterhead: &Letterhead, number: &str, kind: &str, dated: OffsetDateTime) -> Block {
    let mut left: Vec<Para> =
        letterhead.body.lines().map(|l| Para::center(l.trim().to_uppercase(), Face::Bold, 13.0)).collect();
    let number = if number.trim().is_empty() {
        format!("Số:      /{kind}-{}", letterhead.symbol)
    } else {
        format!("Số: {}", number.trim())
    };
    left.push(Para::center("———", Face::Regular, 8.0));
    left.push(Para::center(number, Face::Regular, 13.0));
    let right = vec![
        Para::center("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Face::Bold, 12.0),
        Para::center("Độc lập - Tự do - Hạnh phúc", Face::Bold, 13.0),
        Para::center("———————", Face::Regular, 8.0),
        Para::center(place_date(&letterhead.place, dated), Face::Italic, 13.0),
    ];
    Block::Columns(vec![(0.40, left), (0.60, right)])
}

/// The minutes as a PDF: its bytes and number of pages.
pub fn minutes_pdf(m: &Minutes) -> AppResult<(Vec<u8>, usize)> {
    let fonts = Fonts::load()?;
    pdf::render(&fonts, &format!("Biên bản — {}", m.title), &minutes_blocks(m, &Letterhead::from_env()))
}

/// The minutes' blocks, in order.
pub fn minutes_blocks(m: &Minutes, letterhead: &Letterhead) -> Vec<Block> {
    let mut b = vec![header(letterhead, &m.number, "BB", m.starts_at), Block::Space(18.0)];
    b.push(Block::Para(Para::center("BIÊN BẢN", Face::Bold, 14.0)));
    // The summary names the meeting: "Cuộc họp …" unless its title already says what it is.
    let lower = m.title.to_lowercase();
    let summary = if ["cuộc họp", "phiên họp", "hội nghị", "họp"].iter().any(|k| lower.starts_with(k)) {
        m.title.clone()
    } else {
        format!("Cuộc họp {}", m.title)
    };
    b.push(Block::Para(Para::center(summary, Face::Bold, 14.0).after(12.0)));
    b.push(Block::Para(Para::body(format!("Thời gian: {}, ngày {}.", hhmm(m.starts_at), day(m.starts_at)))));
    if !m.location.is_empty() {
        b.push(Block::Para(Para::body(format!("Địa điểm: {}.", m.location))));
    }
    if let Some(chair) = &m.chair {
        b.push(Block::Para(Para::body(format!("Chủ trì: {}.", chair.name))));
    }
    if !m.secretaries.is_empty() {
        let names: Vec<&str> = m.secretaries.iter().map(|s| s.name.as_str()).collect();
        b.push(Block::Para(Para::body(format!("Thư ký: {}.", names.join(", ")))));
    }
    b.push(Block::Para(Para::body("Thành phần tham dự:")));
    for p in &m.people {
        let status = match p.status {
            Some(AttendanceStatus::Present) => "có mặt".to_owned(),
            Some(AttendanceStatus::Online) => "dự trực tuyến".to_owned(),
            Some(AttendanceStatus::Absent) if p.reason.trim().is_empty() => "vắng mặt".to_owned(),
            Some(AttendanceStatus::Absent) => format!("vắng mặt (lý do: {})", p.reason.trim()),
            None => "không ghi nhận".to_owned(),
        };
        b.push(Block::Para(Para::body(format!("- {} ({}): {status}.", p.name, role_vi(p.role)))));
    }
    b.push(Block::Para(Para::body(m.presence_sentence())));
    b.push(Block::Para(Para::left("NỘI DUNG CUỘC HỌP", Face::Bold, 13.0).after(4.0)));
    for item in &m.items {
        b.push(Block::Para(Para { face: Face::Bold, ..Para::body(format!("{}. {}", item.position, item.title)) }));
        if !item.presenter.is_empty() {
            b.push(Block::Para(Para::body(format!("Trình bày: {}.", item.presenter))));
        }
        let planned = match (item.planned_time.as_str(), item.planned_minutes) {
            ("", 0) => String::new(),
            ("", m) => format!("dự kiến {m} phút"),
            (t, 0) => format!("dự kiến từ {t}"),
            (t, m) => format!("dự kiến từ {t}, {m} phút"),
        };
        let actual = match (item.started_at, item.ended_at) {
            (Some(s), Some(e)) => format!("thực tế từ {} đến {}", hhmm(s), hhmm(e)),
            (Some(s), None) => format!("thực tế từ {}", hhmm(s)),
            _ => String::new(),
        };
        let times: Vec<String> = [planned, actual].into_iter().filter(|s| !s.is_empty()).collect();
        if !times.is_empty() {
            b.push(Block::Para(Para::body(format!("Thời gian: {}.", times.join("; ")))));
        }
        if !item.speeches.is_empty() {
            b.push(Block::Para(Para::body("Ý kiến phát biểu:")));
            for s in &item.speeches {
                let how_long = s.seconds.map(|x| format!(", {}", minutes_seconds(x))).unwrap_or_default();
                let order = if s.point_of_order { " (kiến nghị về thủ tục)" } else { "" };
                b.push(Block::Para(Para::body(format!(
                    "- {} {}{order} ({}{how_long}).",
                    hhmm(s.started_at),
                    s.name,
                    "phát biểu"
                ))));
            }
        }
        if !item.discussion.trim().is_empty() {
            b.push(Block::Para(Para::body(item.discussion.trim())));
        }
        if !item.opinions.is_empty() {
            b.push(Block::Para(Para::body("Ý kiến gửi qua hệ thống:")));
            for o in &item.opinions {
                let quote = if o.quote.is_empty() { String::new() } else { format!(" về đoạn “{}”", o.quote) };
                let doc = if o.document.is_empty() { String::new() } else { format!(" (tài liệu {})", o.document) };
                b.push(Block::Para(Para::body(format!("- {}{doc}{quote}: {}", o.author, o.text))));
            }
        }
        if !item.opinions_text.trim().is_empty() {
            b.push(Block::Para(Para::body(item.opinions_text.trim())));
        }
        for v in &item.votes {
            b.push(Block::Para(Para::body(format!(
                "Biểu quyết{}: {}",
                if v.secret { " kín" } else { "" },
                v.question
            ))));
            if !v.void_reason.is_empty() {
                b.push(Block::Para(Para::body(format!("Không kiểm phiếu được: {}.", v.void_reason))));
                continue;
            }
            let counts: Vec<String> = v.counts.iter().map(|(c, n)| format!("{c}: {n}")).collect();
            let result = if v.passed { "thông qua" } else { "không thông qua" };
            b.push(Block::Para(Para::body(format!(
                "Kết quả: {}; {}/{} thành viên đã biểu quyết; {result}.",
                counts.join("; "),
                v.ballots,
                v.eligible
            ))));
            if !v.secret && !v.named.is_empty() {
                let named: Vec<String> = v.named.iter().map(|(n, c)| format!("{n}: {c}")).collect();
                b.push(Block::Para(Para::body(format!("Danh sách biểu quyết: {}.", named.join("; ")))));
            }
        }
        if !item.conclusion.trim().is_empty() {
            b.push(Block::Para(Para::body(format!("Kết luận: {}", item.conclusion.trim()))));
        }
    }
    if !m.other_opinions.is_empty() {
        b.push(Block::Para(Para::left("Ý KIẾN KHÁC", Face::Bold, 13.0)));
        for o in &m.other_opinions {
            b.push(Block::Para(Para::body(format!("- {}: {}", o.author, o.text))));
        }
    }
    if !m.conclusion.trim().is_empty() {
        b.push(Block::Para(Para::left("KẾT LUẬN CỦA CHỦ TRÌ", Face::Bold, 13.0)));
        b.push(Block::Para(Para::body(m.conclusion.trim())));
    }
    if let Some(end) = m.items.iter().filter_map(|i| i.ended_at).max() {
        b.push(Block::Para(Para::body(format!("Cuộc họp kết thúc lúc {} ngày {}.", hhmm(end), day(end)))));
    }
    b.push(Block::Space(14.0));
    let secretary = m.secretaries.first().map(|s| s.name.clone()).unwrap_or_default();
    let chair = m.chair.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    b.push(Block::Columns(vec![
        (0.5, vec![Para::center("THƯ KÝ", Face::Bold, 13.0).after(48.0), Para::center(secretary, Face::Bold, 13.0)]),
        (0.5, vec![Para::center("CHỦ TRÌ", Face::Bold, 13.0).after(48.0), Para::center(chair, Face::Bold, 13.0)]),
    ]));
    if m.state == MinutesState::Approved {
        let when = m.approved_at.map(|t| format!(" ngày {}", day(t))).unwrap_or_default();
        let hash = m.content_hash.get(..16).unwrap_or(&m.content_hash);
        b.push(Block::Space(12.0));
        b.push(Block::Para(Para::left(
            format!("Biên bản đã được chủ trì phê duyệt{when} (phiên bản {}, mã kiểm tra {hash}).", m.version),
            Face::Italic,
            10.0,
        )));
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use meeting_protocol::{MinutesItem, MinutesPerson, MinutesSpeech, MinutesVote};
    use uuid::Uuid;

    /// Minutes of a meeting of `items` items, `turns` speaker turns each.
    pub(crate) fn sample(items: usize, turns: usize) -> Minutes {
        let t = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let person = |name: &str, role, status| MinutesPerson {
            user_id: Uuid::now_v7(),
            name: name.into(),
            role,
            status: Some(status),
            reason: String::new(),
        };
        let mut people = vec![
            person("Đồng chí Nguyễn Văn An — Chủ tịch UBND tỉnh", ParticipantRole::Chair, AttendanceStatus::Present),
            person("Lê Minh Châu — Chuyên viên Văn phòng", ParticipantRole::Organizer, AttendanceStatus::Present),
        ];
        people.push(MinutesPerson {
            reason: "Đi công tác".into(),
            ..person("Đồng chí Phạm Văn Cường", ParticipantRole::Member, AttendanceStatus::Absent)
        });
        Minutes {
            meeting_id: Uuid::now_v7(),
            version: 1,
            state: MinutesState::Draft,
            number: String::new(),
            title: "Phiên họp thường kỳ UBND tỉnh tháng 12/2026".into(),
            location: "Phòng họp số 1, trụ sở UBND tỉnh".into(),
            starts_at: t,
            chair: Some(people[0].clone()),
            secretaries: vec![people[1].clone()],
            people,
            present: 1,
            members: 2,
            quorum_percent: 50,
            quorum: true,
            items: (0..items)
                .map(|i| MinutesItem {
                    item_id: Uuid::now_v7(),
                    position: i as i64 + 1,
                    title: format!("Báo cáo tình hình kinh tế - xã hội, nội dung số {}", i + 1),
                    presenter: "Sở Kế hoạch và Đầu tư".into(),
                    planned_time: "08:30".into(),
                    planned_minutes: 30,
                    started_at: Some(t),
                    ended_at: Some(t + time::Duration::minutes(25)),
                    speeches: (0..turns)
                        .map(|k| MinutesSpeech {
                            name: format!("Đại biểu số {k}"),
                            point_of_order: false,
                            started_at: t + time::Duration::minutes(k as i64),
                            seconds: Some(95),
                        })
                        .collect(),
                    votes: vec![MinutesVote {
                        question: "Thông qua báo cáo".into(),
                        secret: false,
                        counts: vec![("Đồng ý".into(), 5), ("Không đồng ý".into(), 1)],
                        ballots: 6,
                        eligible: 7,
                        passed: true,
                        void_reason: String::new(),
                        named: vec![("Đại biểu số 1".into(), "Đồng ý".into())],
                    }],
                    opinions: Vec::new(),
                    discussion: "Các đại biểu thống nhất cao với nội dung báo cáo, đề nghị bổ sung số liệu giải ngân vốn đầu tư công quý IV và làm rõ nguyên nhân chậm tiến độ của một số dự án trọng điểm.".into(),
                    opinions_text: String::new(),
                    conclusion: "Giao Sở Kế hoạch và Đầu tư hoàn thiện báo cáo trước ngày 15/12.".into(),
                })
                .collect(),
            other_opinions: Vec::new(),
            conclusion: String::new(),
            recorded_at: t,
            content_hash: String::new(),
            approved_by: None,
            approved_at: None,
            document_id: None,
        }
    }

    #[test]
    fn minutes_render_as_an_nd30_document() {
        let Ok(fonts) = Fonts::load() else {
            eprintln!("skipping: Liberation Serif is not installed (scripts/setup installs fonts-liberation)");
            return;
        };
        let m = sample(3, 4);
        let letterhead = Letterhead {
            body: "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NAM".into(),
            place: "Quảng Nam".into(),
            symbol: "UBND".into(),
        };
        let (pdf, pages) = pdf::render(&fonts, "Biên bản", &minutes_blocks(&m, &letterhead)).expect("render");
        assert!(pages >= 2, "{pages}");
        let doc = lopdf::Document::load_mem(&pdf).expect("a PDF lopdf reads");
        assert_eq!(doc.get_pages().len(), pages);
        if let Ok(dir) = std::env::var("MEETING_OFFICIAL_SAMPLE_DIR") {
            std::fs::write(std::path::Path::new(&dir).join("bien-ban.pdf"), &pdf).expect("write the sample");
        }
    }
}
