//! Folding text for Vietnamese-first search: "cai cach" finds "cải cách", "dong" finds
//! "đồng". Every character maps to exactly one character (its base letter, lowercased;
//! đ/Đ to d), so a position in folded text is the same position in the original, which
//! is how search snippets are cut from the original text.
//!
//! SQLite's `remove_diacritics 2` does most of this but not đ (a letter of its own, not
//! a d with a mark), hence folding on both sides ourselves.

use unicode_normalization::UnicodeNormalization as _;

/// Folds one character.
pub fn fold_char(c: char) -> char {
    match c {
        'đ' | 'Đ' => 'd',
        c if c.is_ascii() => c.to_ascii_lowercase(),
        c => {
            let base = c.nfd().next().unwrap_or(c);
            // A combining mark on its own (text in decomposed form) becomes a space-like
            // joiner-free char: keep the count, drop the mark.
            if unicode_normalization::char::is_combining_mark(base) {
                '\u{200B}'
            } else {
                base.to_lowercase().next().unwrap_or(base)
            }
        }
    }
}

/// Folds a string, one output char per input char.
pub fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect::<String>().replace('\u{200B}', "")
}

/// Folds `s` keeping the char-for-char alignment (decomposed marks become U+200B).
pub fn fold_aligned(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_folds_to_plain_letters() {
        assert_eq!(fold("Cải cách hành chính"), "cai cach hanh chinh");
        assert_eq!(fold("Đồng chí ĐOÀN"), "dong chi doan");
        assert_eq!(fold("Nghị quyết số 18-NQ/TW"), "nghi quyet so 18-nq/tw");
        assert_eq!(fold("ưu tiên, ơn, ỹ, Ỵ"), "uu tien, on, y, y");
    }

    #[test]
    fn decomposed_input_folds_the_same() {
        let nfd: String = "cải cách đồng".nfd().collect();
        assert_eq!(fold(&nfd), "cai cach dong");
    }

    #[test]
    fn alignment_is_char_for_char() {
        let s = "Đồng chí Nguyễn";
        assert_eq!(fold_aligned(s).chars().count(), s.chars().count());
    }
}
