//! `meeting pdf …`: the app's PDF engine without a window, for scripts and tests.

use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use meeting_pdf::{PdfError, PdfService, Priority};
use serde::Serialize;

use meeting_client::ClientError;

#[derive(Debug, Subcommand)]
pub(crate) enum PdfCommand {
    /// Pages, sizes, outline — or a typed error (exit code 2).
    Info {
        /// The PDF file.
        file: PathBuf,
        /// Read the document's password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Render one page to a PNG file.
    Render {
        /// The PDF file.
        file: PathBuf,
        /// Page number, starting at 1.
        #[arg(long)]
        page: u32,
        /// Width in pixels.
        #[arg(long, default_value_t = 1200)]
        width: u32,
        /// Output PNG file.
        #[arg(long)]
        out: PathBuf,
        /// Read the document's password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// A PDF service whose worker is this very executable.
pub fn service() -> Result<PdfService, ClientError> {
    meeting_client::pdf_service()
}

#[derive(Serialize)]
struct JsonError<'a> {
    code: &'a str,
    message: String,
}

fn password(from_stdin: bool) -> Result<Option<String>, ClientError> {
    if !from_stdin {
        return Ok(None);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Document password: ")
            .map(Some)
            .map_err(ClientError::io("reading the password"));
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(ClientError::io("reading the password"))?;
    Ok(Some(s.trim_end_matches(['\n', '\r']).to_owned()))
}

fn fail(e: &PdfError, json: bool) -> ExitCode {
    if json {
        let body = JsonError { code: e.code(), message: e.to_string() };
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "error": body })).unwrap_or_default());
    } else {
        eprintln!("meeting: pdf error [{}]: {e}", e.code());
    }
    ExitCode::from(2)
}

pub(crate) async fn run(cmd: PdfCommand) -> Result<ExitCode, ClientError> {
    let pdf = service()?;
    match cmd {
        PdfCommand::Info { file, password_stdin, json } => {
            let pw = password(password_stdin)?;
            let (_, info) = match pdf.open(&file, pw.as_deref()).await {
                Ok(ok) => ok,
                Err(e) => return Ok(fail(&e, json)),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&info).map_err(|e| ClientError::Protocol(e.to_string()))?);
            } else {
                println!("{}: {} pages", file.display(), info.pages.len());
                if let Some(t) = &info.title {
                    println!("title: {t}");
                }
                if let Some(p) = info.pages.first() {
                    println!("page 1: {:.0} × {:.0} pt", p.width, p.height);
                }
                for item in &info.outline {
                    println!("  » {} (page {})", item.title, item.page.map_or("-".into(), |p| (p + 1).to_string()));
                }
            }
        }
        PdfCommand::Render { file, page, width, out, password_stdin } => {
            let pw = password(password_stdin)?;
            let (doc, _) = match pdf.open(&file, pw.as_deref()).await {
                Ok(ok) => ok,
                Err(e) => return Ok(fail(&e, false)),
            };
            let bitmap = match pdf.render(doc, page.saturating_sub(1), width, Priority::Visible, None).await {
                Ok(b) => b,
                Err(e) => return Ok(fail(&e, false)),
            };
            write_png(&out, &bitmap)?;
            eprintln!("{}: page {page} → {} ({}×{})", file.display(), out.display(), bitmap.width, bitmap.height);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write_png(path: &std::path::Path, b: &meeting_pdf::Bitmap) -> Result<(), ClientError> {
    let file = std::fs::File::create(path).map_err(ClientError::io(format!("creating {}", path.display())))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), b.width, b.height);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let io = |e: png::EncodingError| ClientError::io(format!("writing {}", path.display()))(std::io::Error::other(e));
    let mut w = enc.write_header().map_err(io)?;
    w.write_image_data(&b.rgba).map_err(io)?;
    w.finish().map_err(io)
}
