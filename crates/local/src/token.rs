//! Page tokens: opaque to clients, keyset cursors here (the sort key of the last item
//! returned, never an offset), in the same format as the in-memory store's. A tag names the
//! listing so that a token from one listing is rejected by another.

use statecraft_runtime::ports::{Error, Result};

/// Hex-encodes a string so that tokens are ASCII and split unambiguously on '.'.
pub(crate) fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(token: &str, s: &str) -> Result<String> {
    let bad = || Error::InvalidToken(token.to_string());
    if !s.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes = (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(bad))
        .collect::<Result<Vec<u8>>>()?;
    String::from_utf8(bytes).map_err(|_| bad())
}

fn parts<'t>(token: &'t str, tag: &str, n: usize) -> Result<Vec<&'t str>> {
    let mut it = token.split('.');
    if it.next() != Some(tag) {
        return Err(Error::InvalidToken(token.to_string()));
    }
    let rest: Vec<&str> = it.collect();
    if rest.len() != n {
        return Err(Error::InvalidToken(token.to_string()));
    }
    Ok(rest)
}

fn num<T: std::str::FromStr>(token: &str, s: &str) -> Result<T> {
    s.parse().map_err(|_| Error::InvalidToken(token.to_string()))
}

/// Listings by name (state machines, aliases, activities): (name, ARN).
pub(crate) fn name(name: &str, arn: &str) -> String {
    format!("n.{}.{}", hex(name), hex(arn))
}

pub(crate) fn parse_name(token: &str) -> Result<(String, String)> {
    let p = parts(token, "n", 2)?;
    Ok((unhex(token, p[0])?, unhex(token, p[1])?))
}

/// Versions: the number.
pub(crate) fn version(v: u64) -> String {
    format!("v.{v}")
}

pub(crate) fn parse_version(token: &str) -> Result<u64> {
    num(token, parts(token, "v", 1)?[0])
}

/// Executions: (start, row id).
pub(crate) fn execution(start: i64, id: i64) -> String {
    format!("e.{start}.{id}")
}

pub(crate) fn parse_execution(token: &str) -> Result<(i64, i64)> {
    let p = parts(token, "e", 2)?;
    Ok((num(token, p[0])?, num(token, p[1])?))
}

/// History: the event id.
pub(crate) fn history(id: u64) -> String {
    format!("h.{id}")
}

pub(crate) fn parse_history(token: &str) -> Result<u64> {
    num(token, parts(token, "h", 1)?[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(parse_name(&name("a.b", "arn:x")).ok(), Some(("a.b".to_string(), "arn:x".to_string())));
        assert_eq!(parse_version(&version(7)).ok(), Some(7));
        assert_eq!(parse_execution(&execution(-5, 9)).ok(), Some((-5, 9)));
        assert_eq!(parse_history(&history(3)).ok(), Some(3));
        assert!(parse_history(&version(3)).is_err());
        assert!(parse_name("n.zz.00").is_err());
        assert!(parse_execution("e.1").is_err());
    }
}
