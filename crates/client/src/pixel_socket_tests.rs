//! The pixel socket against a real WebSocket client (tokio-tungstenite), on loopback.
//! The pages come from a stand-in [`Pages`]: what is tested here is the transport (the
//! app's real renders through it are driven by the desktop end-to-end tests).

use std::sync::Arc;

use futures_util::{SinkExt as _, StreamExt as _};
use meeting_pdf::Bitmap;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use super::{PageRequest, Pages, PixelSocket};
use crate::app::{UiCode, UiError, UiResult};

const ORIGIN: &str = "tauri://localhost";

/// Page `n` is `n + 1` pixels wide and one tall, each byte `n`; page 99 does not exist;
/// page 1000 is 1001 × 700 (2.8 MB: three chunks and the size). Page 7 takes a while, so answers can
/// overtake it.
struct Stripes;

impl Pages for Stripes {
    async fn render(&self, r: PageRequest) -> UiResult<Arc<Bitmap>> {
        if r.page == 99 {
            return Err(UiError { code: UiCode::Invalid, message: "Trang 100 không có".into() });
        }
        if r.page == 7 {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        let (w, h) = (r.page + 1, if r.page == 1000 { 700 } else { 1 });
        Ok(Arc::new(Bitmap { width: w, height: h, rgba: vec![r.page as u8; (w * h * 4) as usize].into() }))
    }
}

async fn socket() -> PixelSocket {
    PixelSocket::start(Arc::new(Stripes), vec![ORIGIN.into()]).await.expect("socket starts")
}

type Client = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, origin: Option<&str>) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
    let mut request = url.into_client_request()?;
    if let Some(o) = origin {
        request.headers_mut().insert("Origin", o.parse().expect("header value"));
    }
    tokio_tungstenite::connect_async(request).await.map(|(c, _)| c)
}

fn ask(id: u32, page: u32) -> Message {
    let r = PageRequest {
        id,
        handle: 1,
        page,
        width: 800,
        priority: meeting_pdf::Priority::Visible,
        view: 1,
        generation: 1,
        rows: None,
    };
    Message::text(serde_json::to_string(&r).expect("json"))
}

/// One answer: `Ok((id, frame, chunks))` or `Err(the error message's JSON)`.
async fn answer(c: &mut Client) -> Result<(u64, Vec<u8>, usize), serde_json::Value> {
    let head: serde_json::Value = match c.next().await.expect("an answer").expect("a message") {
        Message::Text(t) => serde_json::from_str(&t).expect("json"),
        other => panic!("an answer starts with its head, not {other:?}"),
    };
    if head.get("error").is_some() {
        return Err(head);
    }
    let (id, len) = (head["id"].as_u64().expect("id"), head["len"].as_u64().expect("len") as usize);
    let (mut frame, mut chunks) = (Vec::new(), 0);
    while frame.len() < len {
        match c.next().await.expect("a chunk").expect("a message") {
            Message::Binary(b) => {
                assert!(b.len() <= super::CHUNK, "a chunk of {} bytes", b.len());
                frame.extend_from_slice(&b);
                chunks += 1;
            }
            other => panic!("answer {id} interrupted by {other:?}"),
        }
    }
    assert_eq!(frame.len(), len);
    Ok((id, frame, chunks))
}

/// `(width, height, first pixel byte)` of a frame `[RGBA…][u32 width][u32 height]`.
fn size(frame: &[u8]) -> (u32, u32, u8) {
    let n = frame.len();
    let word = |at: usize| u32::from_le_bytes(frame[at..at + 4].try_into().expect("4 bytes"));
    let (w, h) = (word(n - 8), word(n - 4));
    assert_eq!(n, (w * h * 4) as usize + 8, "pixels, then the size");
    (w, h, frame[0])
}

#[tokio::test]
async fn pages_come_back_whole_in_chunks_matched_to_their_requests() {
    let s = socket().await;
    let mut c = connect(s.url(), Some(ORIGIN)).await.expect("the app's origin with the token connects");
    for (id, page) in [(41, 7), (42, 2), (43, 99), (44, 1000)] {
        c.send(ask(id, page)).await.expect("send");
    }
    let (mut frames, mut errors) = (Vec::new(), Vec::new());
    while frames.len() + errors.len() < 4 {
        match answer(&mut c).await {
            Ok((id, frame, chunks)) => frames.push((id, size(&frame), chunks)),
            Err(e) => errors.push(e),
        }
    }
    // The slow page 7 was asked first and answered last: answers do not wait in line.
    // A page's pixels in chunks, then its size in a message of its own.
    assert_eq!(frames.pop(), Some((41, (8, 1, 7), 2)));
    frames.sort();
    assert_eq!(frames, vec![(42, (3, 1, 2), 2), (44, (1001, 700, 232), 4)]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["id"], 43);
    assert_eq!(errors[0]["error"]["code"], "invalid");
    assert_eq!(errors[0]["error"]["message"], "Trang 100 không có");
}

#[tokio::test]
async fn a_wrong_token_or_origin_is_refused() {
    let s = socket().await;
    let (base, token) = s.url().rsplit_once('/').expect("url with token");
    let refused = |r: Result<Client, _>| match r {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16() == 403,
        _ => false,
    };
    assert!(refused(connect(&format!("{base}/{}", "0".repeat(token.len())), Some(ORIGIN)).await), "wrong token");
    assert!(refused(connect(&format!("{base}/"), Some(ORIGIN)).await), "no token");
    assert!(refused(connect(s.url(), Some("http://evil.example")).await), "a web page's origin");
    assert!(refused(connect(s.url(), None).await), "no origin");
    // The socket still serves the app.
    let mut c = connect(s.url(), Some(ORIGIN)).await.expect("connects");
    c.send(ask(1, 0)).await.expect("send");
    assert_eq!(answer(&mut c).await.map(|(id, f, _)| (id, size(&f))), Ok((1, (1, 1, 0))));
}

#[tokio::test]
async fn a_bad_request_ends_that_connection_only() {
    let s = socket().await;
    let mut bad = connect(s.url(), Some(ORIGIN)).await.expect("connects");
    bad.send(Message::text("{\"id\": 1, \"page\": \"one\"}")).await.expect("send");
    // The app hangs up on it: the stream ends (or errors) without an answer.
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), bad.next()).await.expect("not left hanging");
    assert!(!matches!(next, Some(Ok(Message::Binary(_)) | Ok(Message::Text(_)))), "{next:?}");
    let mut huge = connect(s.url(), Some(ORIGIN)).await.expect("connects");
    huge.send(Message::text("x".repeat(100_000))).await.expect("send");
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), huge.next()).await.expect("not left hanging");
    assert!(!matches!(next, Some(Ok(Message::Binary(_)) | Ok(Message::Text(_)))), "{next:?}");
    let mut good = connect(s.url(), Some(ORIGIN)).await.expect("connects");
    good.send(ask(5, 4)).await.expect("send");
    assert_eq!(answer(&mut good).await.map(|(id, f, _)| (id, size(&f))), Ok((5, (5, 1, 4))));
}
