//! The pixel socket against a real WebSocket client (tokio-tungstenite), on loopback.
//! The pages come from a stand-in [`Pages`]: what is tested here is the transport (the
//! app's real renders through it are driven by the desktop end-to-end tests).

use std::sync::Arc;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use super::{PageRequest, Pages, PixelSocket};
use crate::app::{UiCode, UiError, UiResult};

const ORIGIN: &str = "tauri://localhost";

/// Page `n` is `n + 1` pixels wide and one tall, each byte `n`; page 99 does not exist.
/// Page 7 takes a while, so answers can overtake it.
struct Stripes;

impl Pages for Stripes {
    async fn render(&self, r: PageRequest) -> UiResult<Vec<u8>> {
        if r.page == 99 {
            return Err(UiError { code: UiCode::Invalid, message: "Trang 100 không có".into() });
        }
        if r.page == 7 {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        let w = r.page + 1;
        let mut frame = Vec::with_capacity(w as usize * 4 + meeting_pdf::FRAME_ROOM);
        frame.resize(w as usize * 4, r.page as u8);
        frame.extend_from_slice(&w.to_le_bytes());
        frame.extend_from_slice(&1u32.to_le_bytes());
        Ok(frame)
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

/// `(id, width, height, first pixel byte)` of a binary answer.
fn read_frame(b: &[u8]) -> (u32, u32, u32, u8) {
    let n = b.len();
    let word = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
    (word(n - 12), word(n - 8), word(n - 4), b[0])
}

#[tokio::test]
async fn pages_come_back_tagged_with_their_request_in_the_viewers_frame() {
    let s = socket().await;
    let mut c = connect(s.url(), Some(ORIGIN)).await.expect("the app's origin with the token connects");
    c.send(ask(41, 7)).await.expect("send");
    c.send(ask(42, 2)).await.expect("send");
    c.send(ask(43, 99)).await.expect("send");
    let mut frames = Vec::new();
    let mut errors = Vec::new();
    while frames.len() + errors.len() < 3 {
        match c.next().await.expect("an answer").expect("a message") {
            Message::Binary(b) => {
                let (id, w, h, px) = read_frame(&b);
                assert_eq!(b.len(), (w * h * 4) as usize + 12, "pixels, id, width, height");
                frames.push((id, w, h, px));
            }
            Message::Text(t) => errors.push(serde_json::from_str::<serde_json::Value>(&t).expect("json")),
            other => panic!("unexpected {other:?}"),
        }
    }
    // The slow page 7 was asked first and answered last: answers do not wait in line.
    assert_eq!(frames, vec![(42, 3, 1, 2), (41, 8, 1, 7)]);
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
    assert!(matches!(c.next().await, Some(Ok(Message::Binary(_)))));
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
    match good.next().await {
        Some(Ok(Message::Binary(b))) => assert_eq!(read_frame(&b), (5, 5, 1, 4)),
        other => panic!("expected page 4, got {other:?}"),
    }
}
