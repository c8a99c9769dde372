//! AWS Step Functions' additions to JSONata, present only with `Options::aws_functions`:
//! `$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid`, `$parse`.
//!
//! Errors use codes in a range upstream leaves free: D3210 (bad `$hash` algorithm), D3211
//! (bad `$partition` size), D3212 (bad `$range` arguments or more than 1000 items), D3213
//! (`$parse` of invalid JSON).

use crate::eval::Ev;
use crate::value::Val;
use crate::Error;
use md5::Digest;

type R<'a> = Result<Val<'a>, Error>;

fn int(v: &Val<'_>) -> Option<i64> {
    match v {
        Val::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Some(*n as i64),
        _ => None,
    }
}

pub(super) fn partition<'a>(arr: Val<'a>, size: Val<'a>) -> R<'a> {
    if arr.is_undef() {
        return Ok(Val::Undef);
    }
    let n = match int(&size) {
        Some(n) if n > 0 => n as usize,
        _ => return Err(Error::new("D3211", "The size argument of $partition must be a positive integer")),
    };
    let items = arr.members();
    Ok(Val::arr(items.chunks(n).map(|c| Val::arr(c.to_vec())).collect()))
}

pub(super) fn range<'a>(ev: &mut Ev<'a, '_>, start: Val<'a>, end: Val<'a>, step: Val<'a>) -> R<'a> {
    let (Some(a), Some(b)) = (int(&start), int(&end)) else {
        return Err(Error::new("D3212", "The start and end arguments of $range must be integers"));
    };
    let s = if step.is_undef() { Some(1) } else { int(&step) };
    let s = match s {
        Some(s) if s != 0 => s,
        _ => return Err(Error::new("D3212", "The step argument of $range must be a non-zero integer")),
    };
    let count = if (s > 0 && a > b) || (s < 0 && a < b) { 0 } else { (b - a) / s + 1 };
    if count > 1000 {
        return Err(Error::new("D3212", "The $range function can produce at most 1000 items"));
    }
    ev.charge(count as u64)?;
    // A sequence, like every JSONata range: one item comes out as the item itself.
    Ok(Val::seq((0..count).map(|i| Val::Num((a + i * s) as f64)).collect()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn hash<'a>(v: Val<'a>, alg: Val<'a>) -> R<'a> {
    let Some(s) = v.as_str() else { return Ok(Val::Undef) };
    let alg = alg.as_str().unwrap_or("SHA-256");
    let data = s.as_bytes();
    let h = match alg {
        "MD5" => hex(&md5::Md5::digest(data)),
        "SHA-1" => hex(&sha1::Sha1::digest(data)),
        "SHA-256" => hex(&sha2::Sha256::digest(data)),
        "SHA-384" => hex(&sha2::Sha384::digest(data)),
        "SHA-512" => hex(&sha2::Sha512::digest(data)),
        other => {
            return Err(Error::new(
                "D3210",
                format!("Unsupported hash algorithm {other}: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"),
            ))
        }
    };
    Ok(Val::string(h))
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(super) fn random<'a>(ev: &mut Ev<'a, '_>, seed: Val<'a>) -> R<'a> {
    match seed {
        Val::Undef => Ok(Val::Num(super::random_f64(ev))),
        Val::Num(n) => {
            let bits = if n.fract() == 0.0 { n as i64 as u64 } else { n.to_bits() };
            Ok(Val::Num((splitmix(bits) >> 11) as f64 / (1u64 << 53) as f64))
        }
        _ => Err(Error::new("T0410", "Argument 1 of function random does not match function signature")),
    }
}

pub(super) fn uuid<'a>(ev: &mut Ev<'a, '_>) -> Val<'a> {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&ev.env.random_u64().to_be_bytes());
    b[8..].copy_from_slice(&ev.env.random_u64().to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Val::string(format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]))
}

pub(super) fn parse<'a>(s: Val<'a>) -> R<'a> {
    let Some(text) = s.as_str() else { return Ok(Val::Undef) };
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::new("D3213", format!("$parse: the string is not valid JSON: {e}")))?;
    Ok(Val::from_owned_json(v))
}
