//! Where an execution head keeps its large values (the core state, the input, the output) so
//! that no item exceeds DynamoDB's 400 KB.
//!
//! Each value has three tiers: *small* (an attribute the listing indexes project, for input
//! and output up to 4 KiB), *inline* (an attribute of the head only: state up to 128 KiB,
//! input and output up to 64 KiB) and *external* (parts of at most 300 KiB in items of their
//! own, `B#<name>#<version>#<part>`, written in the same transaction as the head). With every
//! value at its inline cap and the summary at its cap the head stays under 400 KB.
//!
//! External parts are keyed by the version that wrote them and the head records that version,
//! the part count, the length and a SHA-256 (`x_<name>` = `version:parts:len:sha`): a reader
//! that finds parts missing or mismatched read a head that a commit has since replaced, and
//! reads again. A commit deletes the parts it replaces in its own transaction; it learns them
//! from the head only when its fast-path condition (`attribute_not_exists(x_<name>)`) fails.

use crate::item::{b, get_s, key, opt_b, Item};
use aws_sdk_dynamodb::types::AttributeValue;
use sha2::{Digest, Sha256};
use statecraft_runtime::ports::{Error, Result};

/// One large value of an execution head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    /// The projected attribute, with its cap (0 = none).
    pub(crate) small: &'static str,
    pub(crate) small_cap: usize,
    pub(crate) inline: &'static str,
    pub(crate) inline_cap: usize,
    pub(crate) ext: &'static str,
}

pub(crate) const STATE: Spec =
    Spec { name: "state", small: "", small_cap: 0, inline: "st", inline_cap: 128 * 1024, ext: "x_st" };
pub(crate) const INPUT: Spec =
    Spec { name: "input", small: "ins", small_cap: 4096, inline: "inb", inline_cap: 64 * 1024, ext: "x_in" };
pub(crate) const OUTPUT: Spec = Spec {
    name: "output",
    small: "outs",
    small_cap: 4096,
    inline: "outb",
    inline_cap: 64 * 1024,
    ext: "x_out",
};

/// The largest part of an external value.
pub(crate) const PART: usize = 300 * 1024;

/// An external value as the head records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ext {
    pub(crate) version: u64,
    pub(crate) parts: u32,
    pub(crate) len: usize,
    pub(crate) sha: String,
}

impl Ext {
    fn encode(&self) -> String {
        format!("{}:{}:{}:{}", self.version, self.parts, self.len, self.sha)
    }

    fn decode(text: &str) -> Result<Ext> {
        let bad = || Error::Backend(format!("stored item: bad external value reference {text:?}"));
        let mut it = text.split(':');
        let mut next = || it.next().ok_or_else(bad);
        let version = next()?.parse().map_err(|_| bad())?;
        let parts = next()?.parse().map_err(|_| bad())?;
        let len = next()?.parse().map_err(|_| bad())?;
        let sha = next()?.to_string();
        Ok(Ext { version, parts, len, sha })
    }
}

pub(crate) fn part_prefix(spec: &Spec, version: u64) -> String {
    format!("B#{}#{version:020}#", spec.name)
}

fn part_sk(spec: &Spec, version: u64, part: u32) -> String {
    format!("{}{part:04}", part_prefix(spec, version))
}

fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Where a value is in a head item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stored {
    Absent,
    Here(Vec<u8>),
    External(Ext),
}

pub(crate) fn stored(item: &Item, spec: &Spec) -> Result<Stored> {
    if !spec.small.is_empty() {
        if let Some(v) = opt_b(item, spec.small)? {
            return Ok(Stored::Here(v.to_vec()));
        }
    }
    if let Some(v) = opt_b(item, spec.inline)? {
        return Ok(Stored::Here(v.to_vec()));
    }
    if item.contains_key(spec.ext) {
        return Ext::decode(get_s(item, spec.ext)?).map(Stored::External);
    }
    Ok(Stored::Absent)
}

/// The external reference of a value, if it has one.
pub(crate) fn external(item: &Item, spec: &Spec) -> Result<Option<Ext>> {
    match item.get(spec.ext) {
        None => Ok(None),
        Some(_) => Ext::decode(get_s(item, spec.ext)?).map(Some),
    }
}

/// Joins parts read back (in key order) if they are exactly the value `ext` names.
pub(crate) fn assemble(ext: &Ext, parts: Vec<Vec<u8>>) -> Option<Vec<u8>> {
    if parts.len() != ext.parts as usize {
        return None;
    }
    let data = parts.concat();
    (data.len() == ext.len && sha(&data) == ext.sha).then_some(data)
}

/// What writing one value changes: head attributes to set and remove, part items to put and
/// (old) part keys to delete.
#[derive(Debug, Default)]
pub(crate) struct Placed {
    pub(crate) set: Vec<(&'static str, AttributeValue)>,
    pub(crate) remove: Vec<&'static str>,
    pub(crate) parts: Vec<Item>,
    pub(crate) delete: Vec<Item>,
}

/// Places `data` (`None`: no value) written by the commit that makes `version`, given the
/// external value the head had (`old`, when known: the slow path). An unchanged external value
/// stays where it is.
pub(crate) fn place(spec: &Spec, pk: &str, data: Option<&[u8]>, version: u64, old: Option<&Ext>) -> Placed {
    let mut p = Placed::default();
    let all = [spec.small, spec.inline, spec.ext];
    let mut keep_old = false;
    match data {
        None => p.remove.extend(all.iter().filter(|a| !a.is_empty())),
        Some(d) if !spec.small.is_empty() && d.len() <= spec.small_cap => {
            p.set.push((spec.small, b(d)));
            p.remove.extend([spec.inline, spec.ext]);
        }
        Some(d) if d.len() <= spec.inline_cap => {
            p.set.push((spec.inline, b(d)));
            p.remove.extend(all.iter().filter(|a| !a.is_empty() && **a != spec.inline));
        }
        Some(d) => {
            let digest = sha(d);
            if old.is_some_and(|o| o.sha == digest && o.len == d.len()) {
                keep_old = true;
            } else {
                let chunks: Vec<&[u8]> = d.chunks(PART).collect();
                let ext = Ext { version, parts: chunks.len() as u32, len: d.len(), sha: digest };
                for (i, chunk) in chunks.into_iter().enumerate() {
                    let mut item = key(pk, part_sk(spec, version, i as u32));
                    item.insert("d".to_string(), b(chunk));
                    p.parts.push(item);
                }
                p.set.push((spec.ext, crate::item::s(ext.encode())));
            }
            p.remove.extend(all.iter().filter(|a| !a.is_empty() && **a != spec.ext));
        }
    }
    if let Some(old) = old {
        if !keep_old {
            for i in 0..old.parts {
                p.delete.push(key(pk, part_sk(spec, old.version, i)));
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip_and_reject_garbage() {
        let ext = Ext { version: 7, parts: 3, len: 700_000, sha: "ab".repeat(32) };
        assert_eq!(Ext::decode(&ext.encode()).ok(), Some(ext));
        for bad in ["", "1:2", "x:1:2:ab", "1:2:3"] {
            assert!(Ext::decode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn values_go_to_the_smallest_tier_that_holds_them() {
        let small = place(&INPUT, "E#a", Some(&[1; 4096]), 2, None);
        assert_eq!((small.set[0].0, small.remove.clone()), ("ins", vec!["inb", "x_in"]));
        let inline = place(&INPUT, "E#a", Some(&[1; 5000]), 2, None);
        assert_eq!((inline.set[0].0, inline.remove.clone()), ("inb", vec!["ins", "x_in"]));
        let state = place(&STATE, "E#a", Some(&[1; 5000]), 2, None);
        assert_eq!((state.set[0].0, state.remove.clone()), ("st", vec!["x_st"]));
        let none = place(&OUTPUT, "E#a", None, 2, None);
        assert_eq!((none.set.len(), none.remove), (0, vec!["outs", "outb", "x_out"]));
    }

    #[test]
    fn large_values_split_into_parts_and_replace_old_ones() {
        let data: Vec<u8> = (0..PART * 2 + 10).map(|i| (i % 251) as u8).collect();
        let placed = place(&STATE, "E#a", Some(&data), 4, None);
        assert_eq!(placed.parts.len(), 3);
        assert_eq!(placed.remove, vec!["st"]);
        let AttributeValue::S(reference) = &placed.set[0].1 else { panic!("a string reference") };
        let ext = Ext::decode(reference).expect("reference");
        assert_eq!((ext.version, ext.parts, ext.len), (4, 3, data.len()));
        let parts: Vec<Vec<u8>> = placed
            .parts
            .iter()
            .map(|p| match p.get("d") {
                Some(AttributeValue::B(b)) => b.as_ref().to_vec(),
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(assemble(&ext, parts.clone()).as_deref(), Some(data.as_slice()));
        assert_eq!(assemble(&ext, parts[..2].to_vec()), None, "a missing part");

        // The same value again keeps the old parts; another value replaces them.
        let same = place(&STATE, "E#a", Some(&data), 5, Some(&ext));
        assert!(same.parts.is_empty() && same.delete.is_empty() && same.set.is_empty());
        let other = place(&STATE, "E#a", Some(b"tiny"), 5, Some(&ext));
        assert_eq!(other.delete.len(), 3);
        assert_eq!(other.remove, vec!["x_st"]);
    }
}
