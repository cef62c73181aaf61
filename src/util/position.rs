//! Where a byte offset of a text is, as people and editors count: 1-based lines, and columns
//! in characters (not bytes), so that `file:line:column` points at the right place in any
//! editor whatever the text holds.

/// The 1-based line and column (in characters) of byte `offset` of `text`. An offset past the
/// end is the end; bytes that are not UTF-8 count as one character each.
pub fn line_column(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |newline| newline + 1);
    (line, characters(&before[line_start..]) + 1)
}

fn characters(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes).chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_1_based_and_count_characters() {
        let text = "{\n  \"é\": ,\n}".as_bytes();
        let comma = text.iter().position(|&byte| byte == b',').unwrap();
        assert_eq!(line_column(text, comma), (2, 8));
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, text.len() + 10), (3, 2));
    }
}
