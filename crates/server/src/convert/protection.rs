//! Whether an office file is protected by a password to open, read from its container.
//!
//! Asked only after LibreOffice failed to load a file: the converter decides what it can
//! read (Excel's workbooks encrypted under its built-in password open without one, and
//! convert), and this tells a file that needs its password removed from a damaged one,
//! so that the secretary is not told the department's file is broken. It reads the
//! container's structure only, never decrypts anything, and reads a bounded amount:
//! - DOCX, XLSX, PPTX (and any OOXML) encrypted: an OLE2 compound file holding
//!   `EncryptionInfo` and `EncryptedPackage` instead of the ZIP package;
//! - DOC: the `fEncrypted` bit of the Word document's file information block;
//! - XLS: a `FILEPASS` record in the workbook's globals;
//! - PPT: the encrypted `Current User` header token, or the `EncryptedSummary` stream;
//! - ODT, ODS, ODP: `encryption-data` in the package's `META-INF/manifest.xml`.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// OLE2 compound files start with these bytes (DOC, XLS, PPT, encrypted OOXML).
pub(crate) const OLE2: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// ZIP packages (OOXML and OpenDocument) start with a local file header.
pub(crate) const ZIP: &[u8] = b"PK\x03\x04";

/// Most of a stream read to decide: the markers sit in its first records.
const READ_AT_MOST: u64 = 1 << 20;

/// True when the file at `path` says it needs a password to open. Unreadable or
/// malformed containers are not protected (they are damaged).
pub fn password_protected(path: &Path) -> bool {
    let mut head = [0u8; 8];
    if std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_err() {
        return false;
    }
    // cfb parses a hostile file without panicking on what we have seen, but a converter
    // thread must not die on one it has not: a panic counts as "not protected".
    std::panic::catch_unwind(|| {
        if head == OLE2 {
            ole2_protected(path)
        } else if head.starts_with(ZIP) {
            opendocument_encrypted(path).unwrap_or(false)
        } else {
            false
        }
    })
    .unwrap_or(false)
}

fn ole2_protected(path: &Path) -> bool {
    let Ok(mut file) = cfb::open(path) else { return false };
    if file.is_stream("/EncryptionInfo") && file.is_stream("/EncryptedPackage") {
        return true;
    }
    let mut stream = |name: &str| -> Option<Vec<u8>> {
        let mut s = file.open_stream(name).ok()?;
        let mut buf = Vec::new();
        (&mut s).take(READ_AT_MOST).read_to_end(&mut buf).ok()?;
        Some(buf)
    };
    if let Some(word) = stream("/WordDocument") {
        return word_encrypted(&word);
    }
    if let Some(book) = stream("/Workbook").or_else(|| stream("/Book")) {
        return workbook_encrypted(&book);
    }
    if stream("/EncryptedSummary").is_some() {
        return true;
    }
    stream("/Current User").is_some_and(|user| current_user_encrypted(&user))
}

/// An OpenDocument package whose manifest lists `encryption-data` (its parts are
/// encrypted under the password). Reads the ZIP's central directory to find the
/// manifest, then the manifest (inflated), each bounded; `None` for a malformed ZIP.
fn opendocument_encrypted(path: &Path) -> Option<bool> {
    const MANIFEST: &[u8] = b"META-INF/manifest.xml";
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    // The end of central directory record: 22 bytes and a comment of up to 64 KiB.
    let tail_len = len.min(22 + 65_535);
    file.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = vec![0u8; tail_len as usize];
    file.read_exact(&mut tail).ok()?;
    let eocd = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let (cd_size, cd_at) = (u32_at(&tail, eocd + 12)? as u64, u32_at(&tail, eocd + 16)? as u64);
    if cd_size > READ_AT_MOST || cd_at.checked_add(cd_size)? > len {
        return None;
    }
    let mut cd = vec![0u8; cd_size as usize];
    file.seek(SeekFrom::Start(cd_at)).ok()?;
    file.read_exact(&mut cd).ok()?;
    // Central directory entries: 46 bytes, then name, extra field and comment.
    let mut at = 0;
    let (method, packed, local) = loop {
        if cd.get(at..at + 4)? != b"PK\x01\x02" {
            return Some(false);
        }
        let name_len = u16_at(&cd, at + 28)? as usize;
        let next = at + 46 + name_len + u16_at(&cd, at + 30)? as usize + u16_at(&cd, at + 32)? as usize;
        if cd.get(at + 46..at + 46 + name_len)? == MANIFEST {
            break (u16_at(&cd, at + 10)?, u32_at(&cd, at + 20)? as u64, u32_at(&cd, at + 42)? as u64);
        }
        at = next;
    };
    // The local header: 30 bytes, then its own name and extra field, then the data.
    let mut header = [0u8; 30];
    file.seek(SeekFrom::Start(local)).ok()?;
    file.read_exact(&mut header).ok()?;
    let skip = u16_at(&header, 26)? as i64 + u16_at(&header, 28)? as i64;
    file.seek(SeekFrom::Current(skip)).ok()?;
    let mut data = file.take(packed.min(READ_AT_MOST));
    let mut manifest = Vec::new();
    match method {
        0 => data.read_to_end(&mut manifest).ok()?,
        8 => flate2::read::DeflateDecoder::new(data).take(READ_AT_MOST).read_to_end(&mut manifest).ok()?,
        _ => return None,
    };
    Some(manifest.windows(15).any(|w| w == b"encryption-data"))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// [MS-DOC] FibBase: `wIdent` 0xA5EC at 0, the flags word at 0x0A whose bit 8 is
/// `fEncrypted` (RC4 or XOR obfuscation: either needs the password).
fn word_encrypted(word: &[u8]) -> bool {
    u16_at(word, 0) == Some(0xA5EC) && u16_at(word, 0x0A).is_some_and(|flags| flags & 0x0100 != 0)
}

/// [MS-XLS] BIFF8 records (type, length, data): an encrypted workbook has a `FILEPASS`
/// record (0x002F) in its globals substream, before the first `EOF` (0x000A).
fn workbook_encrypted(book: &[u8]) -> bool {
    const FILEPASS: u16 = 0x002F;
    const EOF: u16 = 0x000A;
    let mut at = 0;
    while let (Some(kind), Some(len)) = (u16_at(book, at), u16_at(book, at + 2)) {
        match kind {
            FILEPASS => return true,
            EOF => return false,
            _ => at += 4 + len as usize,
        }
    }
    false
}

/// [MS-PPT] CurrentUserAtom: after its 8-byte record header, `size` then `headerToken`,
/// 0xF3D1C4DF when the document is encrypted (0xE391C05F when not).
fn current_user_encrypted(user: &[u8]) -> bool {
    u32_at(user, 12) == Some(0xF3D1_C4DF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_flags() {
        let mut fib = vec![0u8; 32];
        fib[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
        assert!(!word_encrypted(&fib));
        fib[0x0A..0x0C].copy_from_slice(&0x0100u16.to_le_bytes());
        assert!(word_encrypted(&fib));
        fib[0] = 0;
        assert!(!word_encrypted(&fib), "not a Word document");
        assert!(!word_encrypted(&[0xEC, 0xA5]), "truncated");
    }

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut r = kind.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    #[test]
    fn workbook_records() {
        let bof = record(0x0809, &[0; 16]);
        let plain = [bof.clone(), record(0x00E1, &[0; 2]), record(0x000A, &[]), record(0x002F, &[0; 6])].concat();
        assert!(!workbook_encrypted(&plain), "a FILEPASS after the globals' EOF is not the workbook's");
        let encrypted = [bof, record(0x002F, &[0; 54]), record(0x000A, &[])].concat();
        assert!(workbook_encrypted(&encrypted));
        assert!(!workbook_encrypted(&encrypted[..3]), "truncated");
    }

    #[test]
    fn powerpoint_token() {
        let mut atom = vec![0u8; 20];
        atom[12..16].copy_from_slice(&0xE391_C05Fu32.to_le_bytes());
        assert!(!current_user_encrypted(&atom));
        atom[12..16].copy_from_slice(&0xF3D1_C4DFu32.to_le_bytes());
        assert!(current_user_encrypted(&atom));
    }

    #[test]
    fn not_a_compound_file() {
        let dir = tempfile::tempdir().unwrap();
        let (zip, ole) = (dir.path().join("a.docx"), dir.path().join("b.doc"));
        std::fs::write(&zip, b"PK\x03\x04 not really a package").unwrap();
        std::fs::write(&ole, [OLE2, &[0u8; 100]].concat()).unwrap();
        assert!(!password_protected(&zip));
        assert!(!password_protected(&ole), "a damaged compound file is damaged, not protected");
        assert!(!password_protected(&dir.path().join("missing.doc")));
    }
}
