//! Rust source as tokens, and the few questions the checks ask of them.

/// A word (identifier, keyword or number), a single punctuation character, or a literal, with
/// its line. A string literal of any kind (`"…"`, `r#"…"#`, `b"…"`) is one token, written
/// `"body"` with its prefix and hashes dropped; a char literal is one token too (`'x'`). A
/// lifetime's `'` is a token on its own, so no word or punctuation starts with a quote.
pub(super) struct Tok {
    pub(super) text: String,
    pub(super) line: usize,
}

/// The tokens of Rust source, comments (nested ones too) left out.
pub(super) fn tokens(text: &str) -> Vec<Tok> {
    let c: Vec<char> = text.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let word_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    let (mut out, mut line, mut i) = (Vec::new(), 1, 0);
    while i < c.len() {
        let first_line = line;
        match (c[i], at(i + 1)) {
            ('\n', _) => (line, i) = (line + 1, i + 1),
            (ch, _) if ch.is_whitespace() => i += 1,
            ('/', '/') => i = c[i..].iter().position(|&ch| ch == '\n').map_or(c.len(), |n| i + n),
            ('/', '*') => {
                let mut depth = 0;
                while i < c.len() {
                    match (c[i], at(i + 1)) {
                        ('/', '*') => (depth, i) = (depth + 1, i + 2),
                        ('*', '/') => (depth, i) = (depth - 1, i + 2),
                        (ch, _) => (line, i) = (line + usize::from(ch == '\n'), i + 1),
                    }
                    if depth == 0 {
                        break;
                    }
                }
            }
            ('"', _) => {
                let end = skip_string(&c, i + 1, None, &mut line);
                out.push(Tok { text: string_token(&c[i + 1..end], 0), line: first_line });
                i = end;
            }
            ('\'', _) => {
                let end = char_end(&c, i).unwrap_or(i + 1);
                out.push(Tok { text: c[i..end].iter().collect(), line });
                i = end;
            }
            (ch, _) if word_char(ch) => {
                let start = i;
                while word_char(at(i)) {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                let hashes = c[i..].iter().take_while(|&&ch| ch == '#').count();
                let (text, end) = match word.as_str() {
                    "r" | "br" | "cr" if at(i + hashes) == '"' => {
                        let end = skip_string(&c, i + hashes + 1, Some(hashes), &mut line);
                        (string_token(&c[i + hashes + 1..end], hashes), end)
                    }
                    "b" | "c" if at(i) == '"' => {
                        let end = skip_string(&c, i + 1, None, &mut line);
                        (string_token(&c[i + 1..end], 0), end)
                    }
                    "b" if at(i) == '\'' && char_end(&c, i).is_some() => {
                        let end = char_end(&c, i).unwrap_or(i + 1);
                        (c[i..end].iter().collect(), end)
                    }
                    _ => (word, i),
                };
                out.push(Tok { text, line: first_line });
                i = end;
            }
            (ch, _) => {
                out.push(Tok { text: ch.to_string(), line });
                i += 1;
            }
        }
    }
    out
}

/// Skips a string literal whose body starts at `i`; `raw` is the number of `#` of a raw string.
/// Returns the index just past the closing quote (and hashes).
fn skip_string(c: &[char], mut i: usize, raw: Option<usize>, line: &mut usize) -> usize {
    while i < c.len() {
        match c[i] {
            '\n' => *line += 1,
            '\\' if raw.is_none() => {
                i += 1;
                *line += usize::from(c.get(i) == Some(&'\n'));
            }
            '"' if (1..=raw.unwrap_or(0)).all(|k| c.get(i + k) == Some(&'#')) => {
                return i + 1 + raw.unwrap_or(0);
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// The token of a string literal from its body and closing quote (and `hashes` hashes).
fn string_token(body_and_end: &[char], hashes: usize) -> String {
    let body = &body_and_end[..body_and_end.len().saturating_sub(1 + hashes)];
    format!("\"{}\"", body.iter().collect::<String>())
}

/// The end of the char literal whose opening quote is at `i` (`'\n'`, `'\''`, `'\u{..}'` or
/// `'x'`), or `None` if the quote starts a lifetime or label.
fn char_end(c: &[char], i: usize) -> Option<usize> {
    match (c.get(i + 1), c.get(i + 2)) {
        (Some('\\'), _) => Some((i + 3..c.len()).find(|&k| c[k] == '\'').map_or(c.len(), |k| k + 1)),
        (Some(_), Some('\'')) => Some(i + 3),
        _ => None,
    }
}

/// The text of token `i`, or `""` past the end.
pub(super) fn text(toks: &[Tok], i: usize) -> &str {
    toks.get(i).map_or("", |t| t.text.as_str())
}

/// Whether a token is a word: an identifier, keyword or number.
pub(super) fn is_word(text: &str) -> bool {
    text.starts_with(|ch: char| ch.is_alphanumeric() || ch == '_')
}

/// Whether tokens `i` and `i + 1` make a `::`.
pub(super) fn is_path_sep(toks: &[Tok], i: usize) -> bool {
    text(toks, i) == ":" && text(toks, i + 1) == ":"
}

/// The tokens between the parenthesis at `open` and its match.
pub(super) fn call_args(toks: &[Tok], open: usize) -> &[Tok] {
    let mut depth = 0;
    for (k, tok) in toks.iter().enumerate().skip(open) {
        match tok.text.as_str() {
            "(" => depth += 1,
            ")" if depth == 1 => return &toks[open + 1..k],
            ")" => depth -= 1,
            _ => {}
        }
    }
    toks.get(open + 1..).unwrap_or_default()
}

/// The names the `use` items of a file bind, each with the path it stands for:
/// `use crate::{a::b, web as site};` binds `b` to `crate::a::b` and `site` to `crate::web`.
/// Globs bind nothing.
pub(super) fn use_bindings(toks: &[Tok]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for i in (0..toks.len()).filter(|&i| toks[i].text == "use") {
        use_tree(toks, &mut (i + 1), &[], &mut out);
    }
    out
}

/// Reads one use tree at `*k` under `prefix`, leaving `*k` just past it.
fn use_tree(toks: &[Tok], k: &mut usize, prefix: &[String], out: &mut Vec<(String, Vec<String>)>) {
    let mut path = prefix.to_vec();
    if is_path_sep(toks, *k) {
        *k += 2;
    }
    loop {
        match text(toks, *k) {
            "{" => {
                *k += 1;
                while !matches!(text(toks, *k), "}" | ";" | "") {
                    let before = *k;
                    use_tree(toks, k, &path, out);
                    if text(toks, *k) == "," {
                        *k += 1;
                    } else if *k == before {
                        break;
                    }
                }
                *k += 1;
                return;
            }
            word if is_word(word) => {
                path.push(word.to_string());
                *k += 1;
                if !is_path_sep(toks, *k) {
                    break;
                }
                *k += 2;
            }
            "*" => {
                *k += 1;
                return;
            }
            _ => return,
        }
    }
    if path.len() > 1 && path.last().is_some_and(|last| last == "self") {
        path.pop();
    }
    let name = if text(toks, *k) == "as" {
        *k += 2;
        text(toks, *k - 1).to_string()
    } else {
        path.last().cloned().unwrap_or_default()
    };
    if !name.is_empty() && name != "_" {
        out.push((name, path));
    }
}
