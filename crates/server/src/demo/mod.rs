//! The demo office: users, meetings with Vietnamese agendas, and generated multi-page
//! PDFs, so a person (or a test) can explore the product right after installing it.
//!
//! Seeded once per data directory (remembered in `server_meta`); password `demo` for
//! every demo user. `leader2` deliberately does not take part in the site-clearance
//! meeting, so the access rule can be seen at work.

pub mod pdf;

use meeting_protocol::{AgendaItemInput, Meeting, MeetingStatus, ParticipantRole, Role};
use time::{Duration, OffsetDateTime, Time};
use uuid::Uuid;

use crate::core::documents::{Content, NewDocument};
use crate::core::meetings::{insert, insert_agenda_item, set_participant_unaudited};
use crate::error::{AppError, AppResult};
use crate::store::meta;
use crate::{AppState, auth};
use pdf::{Block, Font};

/// The demo users: (username, display name, role).
pub const USERS: &[(&str, &str, Role)] = &[
    ("leader1", "Đồng chí Nguyễn Văn An — Chủ tịch UBND tỉnh", Role::Leader),
    ("leader2", "Đồng chí Trần Thị Bình — Phó Chủ tịch UBND tỉnh", Role::Leader),
    ("secretary1", "Lê Minh Châu — Chuyên viên Văn phòng UBND tỉnh", Role::Secretary),
    ("admin", "Quản trị hệ thống", Role::Admin),
];

/// Password of every demo user.
pub const PASSWORD: &str = "demo";

/// Where the DejaVu Sans font (Debian `fonts-dejavu-core`) is looked for, after the
/// `MEETING_DEMO_FONT` environment variable.
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

/// Loads the font the demo documents are set in.
pub fn load_font() -> AppResult<Font> {
    let env = std::env::var("MEETING_DEMO_FONT").ok();
    let candidates = env.iter().map(String::as_str).chain(FONT_PATHS.iter().copied());
    for path in candidates {
        if let Ok(bytes) = std::fs::read(path) {
            return Font::load(bytes).map_err(|e| AppError::bad_request(format!("font {path}: {e}")));
        }
    }
    Err(AppError::bad_request(
        "the demo documents need the DejaVu Sans font: install the Debian package fonts-dejavu-core, or set MEETING_DEMO_FONT to a .ttf file",
    ))
}

const SENTENCES: &[&str] = &[
    "Thực hiện Nghị quyết của Tỉnh ủy về đẩy mạnh cải cách hành chính, các sở, ban, ngành đã rà soát, đơn giản hóa thủ tục và công khai quy trình giải quyết.",
    "Tỷ lệ hồ sơ được giải quyết đúng hạn đạt 98,6%, tăng 2,1% so với cùng kỳ năm trước; không còn tình trạng hồ sơ tồn đọng kéo dài.",
    "Đồng chí Giám đốc Sở Nội vụ báo cáo kết quả sắp xếp tổ chức bộ máy, tinh giản biên chế theo đúng lộ trình đã được phê duyệt.",
    "Chuyển đổi số được triển khai đồng bộ: 100% văn bản đi, đến được xử lý trên môi trường điện tử, trừ văn bản mật theo quy định.",
    "Công tác giải phóng mặt bằng còn chậm do vướng mắc về xác định nguồn gốc đất và đơn giá bồi thường, hỗ trợ, tái định cư.",
    "Đề nghị các đồng chí thành viên Ủy ban nhân dân tỉnh cho ý kiến về dự thảo trước ngày 30 tháng 11 để tổng hợp, hoàn thiện.",
    "Sở Tài chính đã phối hợp với Sở Kế hoạch và Đầu tư đánh giá tình hình giải ngân vốn đầu tư công, dự kiến cả năm đạt trên 95% kế hoạch.",
    "Ủy ban nhân dân tỉnh giao Văn phòng theo dõi, đôn đốc việc thực hiện các nhiệm vụ được giao và báo cáo kết quả tại phiên họp tiếp theo.",
    "Người dân và doanh nghiệp đánh giá mức độ hài lòng đối với sự phục vụ của cơ quan hành chính nhà nước đạt 92,4%.",
    "Cần tiếp tục đẩy mạnh phân cấp, phân quyền gắn với kiểm tra, giám sát; nâng cao trách nhiệm người đứng đầu trong thực thi công vụ.",
    "Đường ven biển đoạn qua địa bàn ba huyện có tổng chiều dài 42,5 km, tổng mức đầu tư dự kiến 3.850 tỷ đồng từ ngân sách trung ương và địa phương.",
    "Hội đồng bồi thường đã niêm yết công khai phương án tại trụ sở Ủy ban nhân dân các xã và tổ chức đối thoại với các hộ dân bị ảnh hưởng.",
];

/// Paragraphs of a demo document: a numbered section per heading, sentences drawn
/// deterministically so every document reads differently.
fn blocks(title: &str, headings: &[&str], seed: usize, sentences_per_section: usize) -> Vec<Block> {
    let mut out = vec![
        Block::Paragraph(
            "ỦY BAN NHÂN DÂN TỈNH — CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc".into(),
        ),
        Block::Heading(title.to_owned()),
    ];
    for (i, h) in headings.iter().enumerate() {
        out.push(Block::Heading(format!("{}. {h}", i + 1)));
        for p in 0..sentences_per_section / 3 {
            let para: Vec<&str> = (0..3).map(|k| SENTENCES[(seed * 7 + i * 5 + p * 3 + k) % SENTENCES.len()]).collect();
            out.push(Block::Paragraph(para.join(" ")));
        }
    }
    out.push(Block::Paragraph(
        "Nơi nhận: Như trên; Thường trực Tỉnh ủy; Thường trực HĐND tỉnh; Chủ tịch, các PCT UBND tỉnh; Lưu: VT.".into(),
    ));
    out
}

struct DemoDoc {
    title: &'static str,
    filename: &'static str,
    headings: &'static [&'static str],
    confidential: bool,
}

struct DemoItem {
    title: &'static str,
    presenter: &'static str,
    time: &'static str,
    minutes: i64,
    docs: &'static [DemoDoc],
}

struct DemoMeeting {
    title: &'static str,
    location: &'static str,
    description: &'static str,
    day_offset: i64,
    hour: u8,
    leader2: bool,
    items: &'static [DemoItem],
}

const H1: &[&str] =
    &["Kết quả đạt được", "Tồn tại, hạn chế", "Nhiệm vụ, giải pháp thời gian tới", "Đề xuất, kiến nghị"];
const H2: &[&str] = &["Tình hình thực hiện", "Đánh giá chung", "Phương hướng"];

const MEETINGS: &[DemoMeeting] = &[
    DemoMeeting {
        title: "Phiên họp thường kỳ UBND tỉnh tháng 11/2026",
        location: "Phòng họp số 1, trụ sở UBND tỉnh",
        description: "Đánh giá tình hình kinh tế - xã hội tháng 11 và cho ý kiến các dự thảo nghị quyết trình HĐND tỉnh.",
        day_offset: 0,
        hour: 8,
        leader2: true,
        items: &[
            DemoItem {
                title: "Báo cáo tình hình kinh tế - xã hội tháng 11",
                presenter: "Giám đốc Sở Kế hoạch và Đầu tư",
                time: "08:00",
                minutes: 45,
                docs: &[
                    DemoDoc {
                        title: "Báo cáo tình hình kinh tế - xã hội tháng 11 năm 2026",
                        filename: "bao-cao-kt-xh-thang-11.pdf",
                        headings: H1,
                        confidential: false,
                    },
                    DemoDoc {
                        title: "Phụ lục số liệu kinh tế - xã hội",
                        filename: "phu-luc-so-lieu.pdf",
                        headings: H2,
                        confidential: false,
                    },
                ],
            },
            DemoItem {
                title: "Dự thảo Nghị quyết về cải cách hành chính giai đoạn 2026-2030",
                presenter: "Giám đốc Sở Nội vụ",
                time: "08:45",
                minutes: 60,
                docs: &[
                    DemoDoc {
                        title: "Tờ trình dự thảo Nghị quyết cải cách hành chính",
                        filename: "to-trinh-cai-cach-hanh-chinh.pdf",
                        headings: H1,
                        confidential: false,
                    },
                    DemoDoc {
                        title: "Dự thảo Nghị quyết cải cách hành chính 2026-2030",
                        filename: "du-thao-nghi-quyet-cchc.pdf",
                        headings: H1,
                        confidential: false,
                    },
                ],
            },
            DemoItem {
                title: "Tình hình giải ngân vốn đầu tư công",
                presenter: "Giám đốc Sở Tài chính",
                time: "09:45",
                minutes: 30,
                docs: &[DemoDoc {
                    title: "Báo cáo giải ngân vốn đầu tư công 10 tháng",
                    filename: "giai-ngan-von-dau-tu-cong.pdf",
                    headings: H2,
                    confidential: false,
                }],
            },
        ],
    },
    DemoMeeting {
        title: "Hội nghị sơ kết công tác cải cách hành chính 9 tháng năm 2026",
        location: "Hội trường tầng 3, Văn phòng UBND tỉnh",
        description: "Sơ kết, đánh giá kết quả cải cách hành chính và chuyển đổi số; triển khai nhiệm vụ quý IV.",
        day_offset: 3,
        hour: 14,
        leader2: true,
        items: &[
            DemoItem {
                title: "Báo cáo sơ kết cải cách hành chính",
                presenter: "Phó Giám đốc Sở Nội vụ",
                time: "14:00",
                minutes: 40,
                docs: &[DemoDoc {
                    title: "Báo cáo sơ kết công tác cải cách hành chính 9 tháng",
                    filename: "so-ket-cchc-9-thang.pdf",
                    headings: H1,
                    confidential: false,
                }],
            },
            DemoItem {
                title: "Chuyển đổi số trong cơ quan hành chính nhà nước",
                presenter: "Giám đốc Sở Thông tin và Truyền thông",
                time: "14:40",
                minutes: 30,
                docs: &[DemoDoc {
                    title: "Kế hoạch chuyển đổi số năm 2027",
                    filename: "ke-hoach-chuyen-doi-so-2027.pdf",
                    headings: H2,
                    confidential: false,
                }],
            },
        ],
    },
    DemoMeeting {
        title: "Họp bàn phương án giải phóng mặt bằng dự án đường ven biển",
        location: "Phòng họp số 2, trụ sở UBND tỉnh",
        description: "Nội dung mật: chỉ các thành viên được mời tham dự.",
        day_offset: -7,
        hour: 9,
        leader2: false,
        items: &[DemoItem {
            title: "Phương án bồi thường, hỗ trợ, tái định cư",
            presenter: "Chủ tịch UBND huyện ven biển",
            time: "09:00",
            minutes: 60,
            docs: &[
                DemoDoc {
                    title: "Phương án bồi thường, hỗ trợ và tái định cư (mật)",
                    filename: "phuong-an-boi-thuong.pdf",
                    headings: H1,
                    confidential: true,
                },
                DemoDoc {
                    title: "Bản đồ hiện trạng và danh sách hộ bị ảnh hưởng",
                    filename: "danh-sach-ho-anh-huong.pdf",
                    headings: H2,
                    confidential: true,
                },
            ],
        }],
    },
];

/// What seeding did, for the start-up banner.
#[derive(Debug, Default)]
pub struct Seeded {
    /// False when the directory had been seeded before.
    pub fresh: bool,
    /// Meetings created.
    pub meetings: usize,
    /// Documents created.
    pub documents: usize,
}

/// Seeds the demo office unless this data directory already has it.
pub fn seed(state: &AppState) -> AppResult<Seeded> {
    let done = state.db.run_blocking(crate::store::Mode::Read, |tx| Ok(meta::get(tx, meta::DEMO_SEEDED)?.is_some()))?;
    if done {
        return Ok(Seeded::default());
    }
    let font = load_font()?;
    // Render and store every PDF first (slow, no lock held), then write rows at once.
    let mut rendered = Vec::new();
    let mut n = 0;
    for m in MEETINGS {
        for item in m.items {
            for d in item.docs {
                n += 1;
                let (bytes, pages) = pdf::render(&font, d.title, &blocks(d.title, d.headings, n, 15), 3)
                    .map_err(|e| AppError::bad_request(format!("demo document {}: {e}", d.filename)))?;
                let sha = state.blobs.put_blocking(&bytes)?;
                rendered.push((sha, bytes.len() as u64, pages as i64));
            }
        }
    }
    let hashes = user_hashes()?;
    state.db.run_blocking(crate::store::Mode::Write, move |tx| {
        // Asked again under the write lock: instances started together with `--demo` on
        // one database seed it once (the first to get here), the others see it done.
        if meta::get(tx, meta::DEMO_SEEDED)?.is_some() {
            return Ok(Seeded::default());
        }
        let ids = insert_users(tx, &hashes)?;
        let (leader1, leader2, secretary) = (&ids[0], &ids[1], &ids[2]);
        let today = OffsetDateTime::now_utc().replace_time(Time::MIDNIGHT);
        let mut docs = rendered.iter();
        let mut seeded = Seeded { fresh: true, ..Seeded::default() };
        for m in MEETINGS {
            let starts_at = today + Duration::days(m.day_offset) + Duration::hours(i64::from(m.hour) - 7);
            let meeting = Meeting {
                id: Uuid::now_v7(),
                title: m.title.into(),
                location: m.location.into(),
                description: m.description.into(),
                starts_at,
                ends_at: Some(starts_at + Duration::hours(3)),
                status: MeetingStatus::Published,
                cancel_reason: String::new(),
                watermark: true,
            };
            insert(tx, &meeting, secretary)?;
            let mid = meeting.id.to_string();
            set_participant_unaudited(tx, &mid, leader1, ParticipantRole::Chair)?;
            if m.leader2 {
                set_participant_unaudited(tx, &mid, leader2, ParticipantRole::Member)?;
            }
            for item in m.items {
                let input = AgendaItemInput {
                    title: Some(item.title.into()),
                    presenter: Some(item.presenter.into()),
                    planned_time: Some(item.time.into()),
                    duration_minutes: Some(item.minutes),
                };
                let a = insert_agenda_item(tx, meeting.id, &input)?;
                for d in item.docs {
                    let Some((sha, size, pages)) = docs.next() else { break };
                    let new = NewDocument {
                        meeting_id: meeting.id,
                        agenda_item_id: Some(a.id),
                        title: d.title.into(),
                        confidential: d.confidential,
                    };
                    let content =
                        Content { sha256: sha.clone(), size: *size, pages: *pages, filename: d.filename.into() };
                    crate::core::documents::insert(tx, Uuid::now_v7(), &new, &content, None, secretary)?;
                    seeded.documents += 1;
                }
            }
            seeded.meetings += 1;
        }
        meta::set_once(tx, meta::DEMO_SEEDED, "1")?;
        Ok(seeded)
    })
}

fn user_hashes() -> AppResult<Vec<String>> {
    USERS.iter().map(|_| auth::hash_password(PASSWORD)).collect()
}

/// Inserts the demo users that do not exist yet; their ids in [`USERS`] order.
fn insert_users(tx: &crate::store::Tx<'_>, hashes: &[String]) -> AppResult<Vec<String>> {
    let mut ids = Vec::new();
    for ((username, display, role), hash) in USERS.iter().zip(hashes) {
        let user = meeting_protocol::User {
            id: Uuid::now_v7(),
            username: (*username).into(),
            display_name: (*display).into(),
            role: *role,
        };
        crate::insert_user(tx, &user, hash)?;
        let id = crate::store::users::id_of(tx, username)?
            .ok_or_else(|| AppError::Stored(format!("the demo user {username} was not stored")))?;
        ids.push(id.to_string());
    }
    Ok(ids)
}

/// Seeds only the demo users (no meetings): an office ready for its secretaries to
/// prepare meetings from nothing.
pub fn seed_users(state: &AppState) -> AppResult<Seeded> {
    let hashes = user_hashes()?;
    state.db.run_blocking(crate::store::Mode::Write, move |tx| insert_users(tx, &hashes))?;
    Ok(Seeded::default())
}
