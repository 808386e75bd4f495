//! The conclusion notice (thông báo kết luận) in the layout of NĐ 30: letterhead,
//! "THÔNG BÁO" and its summary, the meeting in one paragraph, the chair's conclusions
//! point by point, then the recipients (Nơi nhận) on the left and the signer (with the
//! authority prefix: TM., KT., Q., TL., TUQ.) on the right.

use meeting_protocol::Conclusion;

use super::pdf::{self, Block, Face, Fonts, Para};
use super::{Letterhead, day, header, hhmm};
use crate::error::AppResult;

/// The notice as a PDF: its bytes and number of pages.
pub fn conclusion_pdf(c: &Conclusion) -> AppResult<(Vec<u8>, usize)> {
    let fonts = Fonts::load()?;
    pdf::render(&fonts, &format!("Thông báo kết luận — {}", c.title), &conclusion_blocks(c, &Letterhead::from_env()))
}

/// The notice's blocks, in order.
pub fn conclusion_blocks(c: &Conclusion, letterhead: &Letterhead) -> Vec<Block> {
    let issued = c.issued_on.map_or(c.meeting_at, |d| d.midnight().assume_offset(meeting_protocol::OFFICE_OFFSET));
    let mut b = vec![header(letterhead, &c.number, "TB", issued), Block::Space(18.0)];
    b.push(Block::Para(Para::center("THÔNG BÁO", Face::Bold, 14.0)));
    let who = if c.chair.is_empty() { "chủ trì".to_owned() } else { c.chair.clone() };
    b.push(Block::Para(Para::center(format!("Kết luận của {who} tại {}", c.title), Face::Bold, 14.0).after(12.0)));
    b.push(Block::Para(Para::body(format!(
        "Vào lúc {} ngày {}, {who} chủ trì {}. Sau khi nghe báo cáo và ý kiến của các đại biểu dự họp, {who} kết luận như sau:",
        hhmm(c.meeting_at),
        day(c.meeting_at),
        c.title
    ))));
    for p in &c.points {
        let head = if p.item_title.is_empty() { String::new() } else { format!("{}: ", p.item_title) };
        b.push(Block::Para(Para::body(format!("{}. {head}{}", p.number, p.text))));
    }
    b.push(Block::Para(Para::body(
        "Văn phòng thông báo để các cơ quan, đơn vị, địa phương liên quan biết, thực hiện./.",
    )));
    b.push(Block::Space(10.0));
    let mut left = vec![Para { face: Face::Bold, ..Para::left("Nơi nhận:", Face::Italic, 12.0) }];
    let n = c.recipients.len();
    for (i, r) in c.recipients.iter().enumerate() {
        let end = if i + 1 == n { "." } else { ";" };
        left.push(Para::left(format!("- {r}{end}"), Face::Regular, 11.0).after(0.0));
    }
    let mut right = Vec::new();
    if !c.signer.authority.trim().is_empty() {
        right.push(Para::center(c.signer.authority.trim().to_uppercase(), Face::Bold, 13.0));
    }
    right.push(Para::center(c.signer.title.trim().to_uppercase(), Face::Bold, 13.0).after(56.0));
    right.push(Para::center(c.signer.name.trim(), Face::Bold, 13.0));
    b.push(Block::Columns(vec![(0.5, left), (0.5, right)]));
    b
}
