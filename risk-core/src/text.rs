//! Free text a caller names things with (firm names, countries, cloud providers, sources): the
//! one check every such field passes, so a name can be shown in a report, a terminal or a
//! spreadsheet without reordering, hiding or truncating what is around it.

/// Why a piece of free text was refused, as a field error's message; `None` when it is fine.
///
/// Refused: empty or whitespace-only text; more than `max_chars` characters; control
/// characters (C0 including NUL, DEL, C1); bidirectional embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C), which reorder what is displayed after
/// them; Unicode noncharacters (U+FDD0–U+FDEF, U+xxFFFE/U+xxFFFF) and the replacement of
/// nothing visible: text made only of zero-width and format characters (U+200B–U+200D, U+2060,
/// U+FEFF, U+00AD).
pub fn problem(s: &str, max_chars: usize) -> Option<String> {
    let n = s.chars().count();
    if n > max_chars {
        return Some(format!("must be at most {max_chars} characters (has {n})"));
    }
    if let Some(c) = s.chars().find(|&c| forbidden(c)) {
        return Some(format!(
            "must not contain control, bidirectional-override or noncharacter code points (found U+{:04X})",
            u32::from(c)
        ));
    }
    if s.chars().all(|c| c.is_whitespace() || invisible(c)) {
        return Some("must contain a visible character".into());
    }
    None
}

fn forbidden(c: char) -> bool {
    let u = u32::from(c);
    c.is_control()
        || matches!(u, 0x202A..=0x202E | 0x2066..=0x2069 | 0x200E | 0x200F | 0x061C)
        || (0xFDD0..=0xFDEF).contains(&u)
        || (u & 0xFFFE) == 0xFFFE
}

fn invisible(c: char) -> bool {
    matches!(u32::from(c), 0x200B..=0x200D | 0x2060 | 0xFEFF | 0x00AD)
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn names() {
        for ok in [
            "Example KK",
            "株式会社テスト",
            "O'Brien & Co.",
            "a\u{200D}b",
        ] {
            assert_eq!(problem(ok, 200), None, "{ok:?}");
        }
        for bad in [
            "",
            "   ",
            "a\0b",
            "a\u{1b}[31m",
            "evil\u{202E}fdp.exe",
            "\u{2067}x",
            "\u{200B}\u{200B}",
            "\u{FEFF}",
            "x\u{FFFF}",
            "x\u{1FFFE}",
            "x\u{FDD0}",
            "x\u{7F}",
            "x\u{85}",
        ] {
            assert!(problem(bad, 200).is_some(), "{bad:?}");
        }
        assert!(problem(&"x".repeat(201), 200).is_some());
        assert_eq!(problem(&"é".repeat(200), 200), None);
    }
}
