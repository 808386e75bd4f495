use std::io::Cursor;

use super::*;

const AAD: &[u8] = b"blob-sha256";

fn data(n: usize) -> Vec<u8> {
    // Not all zeros, and with a recognisable marker where files start.
    let mut v: Vec<u8> = (0..n).map(|i| (i * 31 % 251) as u8).collect();
    let marker = b"%PDF-1.7 Bao cao kinh te xa hoi";
    let m = marker.len().min(n);
    v[..m].copy_from_slice(&marker[..m]);
    v
}

fn seal(key: &Key32, plain: &[u8]) -> Vec<u8> {
    let mut w = SealedWriter::new(Vec::new(), key, 1, AAD).expect("writer");
    // Odd write sizes, across chunk boundaries.
    for part in plain.chunks(7_777) {
        w.write_all(part).expect("write");
    }
    w.finish().expect("finish")
}

fn open(key: &Key32, sealed: Vec<u8>) -> Result<SealedReader<Cursor<Vec<u8>>>> {
    SealedReader::open(Cursor::new(sealed), key, AAD)
}

#[test]
fn every_size_round_trips_and_nothing_of_the_plaintext_shows() {
    let key = Key32::random();
    for n in [0, 1, 31, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 12_345] {
        let plain = data(n);
        let sealed = seal(&key, &plain);
        assert_eq!(sealed.len() as u64, sealed_len(n as u64), "size for {n}");
        assert!(!sealed.windows(5).any(|w| w == b"%PDF-"), "no PDF magic in the sealed file ({n})");
        assert_eq!(key_id(&sealed).expect("header"), 1);
        let mut r = open(&key, sealed).expect("open");
        assert_eq!(r.len(), n as u64);
        let mut back = Vec::new();
        r.read_all(&mut back).expect("read");
        assert_eq!(back, plain, "round trip of {n} bytes");
    }
}

#[test]
fn reads_at_any_offset_match_the_plaintext() {
    let key = Key32::random();
    let plain = data(5 * CHUNK + 999);
    let mut r = open(&key, seal(&key, &plain)).expect("open");
    for (at, len) in [(0, 10), (CHUNK - 3, 7), (3 * CHUNK, CHUNK * 2), (5 * CHUNK + 990, 50), (17, 0)] {
        r.seek(SeekFrom::Start(at as u64)).expect("seek");
        let mut buf = vec![0u8; len];
        let mut got = 0;
        while got < len {
            let n = r.read(&mut buf[got..]).expect("read");
            if n == 0 {
                break;
            }
            got += n;
        }
        let end = (at + len).min(plain.len());
        assert_eq!(&buf[..got], &plain[at..end], "range {at}+{len}");
    }
    // One read fills the whole buffer across chunk boundaries (pdfium reads each block
    // with a single call).
    r.seek(SeekFrom::Start(CHUNK as u64 - 10)).expect("seek");
    let mut across = vec![0u8; 3 * CHUNK];
    assert_eq!(r.read(&mut across).expect("read"), 3 * CHUNK);
    assert_eq!(across, plain[CHUNK - 10..4 * CHUNK - 10]);
    assert_eq!(r.seek(SeekFrom::End(-4)).expect("seek"), plain.len() as u64 - 4);
    assert!(r.seek(SeekFrom::Current(-(plain.len() as i64))).is_err(), "before the start");
}

#[test]
fn truncation_is_told_apart_from_tampering() {
    let key = Key32::random();
    let sealed = seal(&key, &data(3 * CHUNK + 100));
    // Cut exactly after the second full chunk: every remaining chunk authenticates, but
    // the last one was not written as the last.
    let at_boundary = sealed[..HEADER + 2 * SEALED_CHUNK].to_vec();
    assert!(matches!(open(&key, at_boundary), Err(SealError::Truncated)));
    let mid_tag = sealed[..HEADER + 2 * SEALED_CHUNK + 9].to_vec();
    assert!(matches!(open(&key, mid_tag), Err(SealError::Truncated)));
    let mid_chunk = sealed[..HEADER + SEALED_CHUNK + 500].to_vec();
    assert!(matches!(open(&key, mid_chunk), Err(SealError::Tampered)));
    assert!(matches!(open(&key, sealed[..20].to_vec()), Err(SealError::Truncated)));
    assert!(matches!(open(&key, Vec::new()), Err(SealError::Truncated)));
}

#[test]
fn a_flipped_bit_anywhere_is_refused_when_its_chunk_is_read() {
    let key = Key32::random();
    let plain = data(2 * CHUNK + 10);
    let sealed = seal(&key, &plain);
    for at in [HEADER + 5, HEADER + SEALED_CHUNK + 100, sealed.len() - 1, 10] {
        let mut bad = sealed.clone();
        bad[at] ^= 0x10;
        let outcome = open(&key, bad).and_then(|mut r| r.read_all(&mut Vec::new()));
        assert!(matches!(outcome, Err(SealError::Tampered)), "flip at {at}: {outcome:?}");
    }
}

#[test]
fn a_file_under_another_name_or_with_another_key_does_not_open() {
    let key = Key32::random();
    let sealed = seal(&key, &data(1000));
    assert!(matches!(SealedReader::open(Cursor::new(sealed.clone()), &key, b"other-sha"), Err(SealError::Tampered)));
    assert!(matches!(open(&Key32::random(), sealed), Err(SealError::Tampered)));
}

#[test]
fn plain_files_and_future_versions_are_named_as_such() {
    let key = Key32::random();
    assert!(matches!(open(&key, data(50_000)), Err(SealError::NotSealed)));
    let mut future = seal(&key, &data(10));
    future[6] = 9;
    assert!(matches!(open(&key, future), Err(SealError::UnknownVersion(9))));
}

#[test]
fn an_interrupted_file_resumes_from_its_last_good_chunk() {
    let key = Key32::random();
    let plain = data(4 * CHUNK + 321);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("x.part");
    // Write 2.5 chunks, then "crash": no finish, plus half a chunk of garbage.
    {
        let (mut sealer, header) = Sealer::new(&key, 0, AAD);
        let mut out = header.to_vec();
        sealer.push(&plain[..CHUNK * 5 / 2], &mut out).expect("push");
        out.extend_from_slice(&[7u8; 3000]);
        std::fs::write(&path, out).expect("write");
    }
    let mut file = std::fs::OpenOptions::new().read(true).write(true).open(&path).expect("open");
    let mut rehashed = Vec::new();
    let (mut sealer, done) =
        resume_partial(&mut file, &key, 0, AAD, |p| rehashed.extend_from_slice(p)).expect("resume").expect("usable");
    assert_eq!(done, 2 * CHUNK as u64, "two full chunks survive");
    assert_eq!(rehashed, plain[..2 * CHUNK], "and are handed back for hashing");
    let mut out = Vec::new();
    sealer.push(&plain[2 * CHUNK..], &mut out).expect("push");
    sealer.finish(&mut out).expect("finish");
    file.write_all(&out).expect("append");
    drop(file);
    let mut back = Vec::new();
    SealedReader::open(File::open(&path).expect("open"), &key, AAD).expect("open").read_all(&mut back).expect("read");
    assert_eq!(back, plain);
    // Another level's key id, or a plain file: start over.
    let mut file = std::fs::OpenOptions::new().read(true).write(true).open(&path).expect("open");
    assert!(resume_partial(&mut file, &key, 1, AAD, |_| {}).expect("resume").is_none());
}
