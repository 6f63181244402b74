//! Resource limits of a page, checked before anything decodes it.
//!
//! hayro decodes a stream whole, however large it inflates to, and allocates an image's pixels
//! from the size its dictionary declares. A 16 KB file whose content stream is
//! `/Filter [/FlateDecode /FlateDecode]` inflates to 10 GB; a 3 KB one declares a 40000×40000
//! image. So before a page is read, every stream it can reach (its contents, and through its
//! resources its forms, images, fonts, patterns and shadings, cycles included) is measured:
//! runs of `FlateDecode` are inflated into a counter, never into memory, and stopped at the
//! limit; other filters are bounded by how much they can expand; an image's declared pixels are
//! counted. A page over a limit fails with [`PageError::ResourceLimit`]; the document goes on.

use crate::error::PageError;
use hayro_syntax::object::{MaybeRef, Object, ObjectIdentifier, Stream};
use hayro_syntax::page::Page;
use std::collections::HashSet;
use std::io::Read;

/// The most one stream of a page may decode to, and all of its content streams together
/// (hayro joins them into one buffer).
pub const MAX_STREAM_BYTES: u64 = 256 << 20;
/// The most pixels one image may declare: a 36 × 48 in sheet scanned at 400 dpi (276 million)
/// passes (a 202-million-pixel 400 dpi scan peaks at 625 MB through OCR); a 40000 × 40000
/// image (1.6 billion) does not.
pub const MAX_IMAGE_PIXELS: u64 = 300_000_000;
/// The most objects a page may reach through its resources.
pub const MAX_OBJECTS: usize = 100_000;

/// Checks that page `number` stays within the limits above.
pub fn check_page<'a>(page: &Page<'a>, number: usize) -> Result<(), PageError> {
    let mut walk = Walk {
        page: number,
        seen: HashSet::new(),
        pending: Vec::new(),
        contents: HashSet::new(),
        contents_size: 0,
        objects: 0,
    };
    match page.raw().get_raw::<Object<'a>>(b"Contents".as_slice()) {
        Some(MaybeRef::Ref(r)) => {
            walk.contents.insert(ObjectIdentifier::from(r));
        }
        Some(MaybeRef::NotRef(Object::Array(array))) => {
            walk.contents
                .extend(array.raw_iter().filter_map(|item| match item {
                    MaybeRef::Ref(r) => Some(ObjectIdentifier::from(r)),
                    MaybeRef::NotRef(_) => None,
                }));
        }
        Some(MaybeRef::NotRef(_)) | None => {}
    }
    for (name, value) in page.raw().entries() {
        if name.as_ref() != b"Parent" {
            walk.pending.push(value);
        }
    }
    // Resources may be inherited from the page tree: hayro has resolved them.
    let r = page.resources();
    for dict in [
        &r.ext_g_states,
        &r.fonts,
        &r.properties,
        &r.color_spaces,
        &r.x_objects,
        &r.patterns,
        &r.shadings,
    ] {
        walk.pending.extend(dict.entries().map(|(_, value)| value));
    }
    walk.run(page.xref())
}

struct Walk<'a> {
    page: usize,
    seen: HashSet<ObjectIdentifier>,
    pending: Vec<MaybeRef<Object<'a>>>,
    /// The page's content streams, and what they decode to so far.
    contents: HashSet<ObjectIdentifier>,
    contents_size: u64,
    objects: usize,
}

impl<'a> Walk<'a> {
    fn over(&self, reason: String) -> PageError {
        PageError::ResourceLimit {
            page: self.page,
            reason,
        }
    }

    fn run(&mut self, xref: &'a hayro_syntax::xref::XRef) -> Result<(), PageError> {
        while let Some(item) = self.pending.pop() {
            self.objects += 1;
            if self.objects > MAX_OBJECTS {
                return Err(self.over(format!("the page reaches more than {MAX_OBJECTS} objects")));
            }
            let (object, id) = match item {
                MaybeRef::NotRef(object) => (object, None),
                MaybeRef::Ref(r) => {
                    let id = ObjectIdentifier::from(r);
                    if !self.seen.insert(id) {
                        continue;
                    }
                    match xref.get::<Object<'a>>(id) {
                        Some(object) => (object, Some(id)),
                        None => continue,
                    }
                }
            };
            let in_contents = id.is_some_and(|id| self.contents.contains(&id));
            match object {
                Object::Dict(dict) => self.pending.extend(
                    dict.entries()
                        .filter(|(name, _)| name.as_ref() != b"Parent" && name.as_ref() != b"P")
                        .map(|(_, value)| value),
                ),
                Object::Array(array) => self.pending.extend(array.raw_iter()),
                Object::Stream(stream) => {
                    self.stream(&stream, in_contents)?;
                    self.pending.extend(
                        stream
                            .dict()
                            .entries()
                            .filter(|(name, _)| name.as_ref() != b"Parent")
                            .map(|(_, value)| value),
                    );
                }
                Object::Null(_)
                | Object::Boolean(_)
                | Object::Number(_)
                | Object::String(_)
                | Object::Name(_) => {}
            }
        }
        Ok(())
    }

    fn stream(&mut self, stream: &Stream<'a>, in_contents: bool) -> Result<(), PageError> {
        let dict = stream.dict();
        let is_image = dict
            .get::<hayro_syntax::object::Name<'_>>(b"Subtype".as_slice())
            .is_some_and(|n| n.as_ref() == b"Image");
        if is_image {
            let side = |key: &[u8]| dict.get::<f64>(key).unwrap_or(0.0).max(0.0) as u64;
            let pixels = side(b"Width").saturating_mul(side(b"Height"));
            if pixels > MAX_IMAGE_PIXELS {
                return Err(self.over(format!(
                    "an image of {pixels} pixels is over the limit of {MAX_IMAGE_PIXELS}"
                )));
            }
        }
        // Content streams are counted exactly (they are small, and are added up); any other
        // stream is inflated only when its raw size could inflate past the limit.
        let size = decoded_size(stream, MAX_STREAM_BYTES, in_contents);
        if size > MAX_STREAM_BYTES {
            return Err(self.over(format!(
                "a stream decodes to more than {MAX_STREAM_BYTES} bytes"
            )));
        }
        if in_contents {
            self.contents_size = self.contents_size.saturating_add(size);
            if self.contents_size > MAX_STREAM_BYTES {
                return Err(self.over(format!(
                    "the page's content streams decode to more than {MAX_STREAM_BYTES} bytes"
                )));
            }
        }
        Ok(())
    }
}

/// How many bytes `stream` decodes to, or an upper bound of it, or some number over `limit`
/// once it is known to be over. Nothing decoded is kept.
fn decoded_size(stream: &Stream<'_>, limit: u64, exact: bool) -> u64 {
    use hayro_syntax::Filter;
    let filters = stream.filters();
    let raw = stream.raw_data();
    if filters.is_empty() {
        return raw.len() as u64;
    }
    // Deflate expands at most 1032 times: a small stream cannot be a bomb.
    let flates = filters
        .iter()
        .filter(|f| **f == Filter::FlateDecode)
        .count() as u32;
    let at_most = (raw.len() as u64).saturating_mul(1032u64.saturating_pow(flates));
    if !exact
        && at_most <= limit
        && filters
            .iter()
            .all(|f| !matches!(f, Filter::LzwDecode | Filter::RunLengthDecode))
    {
        return at_most;
    }
    // The leading filters that shrink (hex, base-85) are decoded, into at most the raw size;
    // then the run of FlateDecode that follows is inflated into a counter; whatever is left
    // multiplies that by the most it can expand.
    let mut data: std::borrow::Cow<'_, [u8]> = raw;
    let mut i = 0;
    while i < filters.len() {
        match filters[i] {
            Filter::AsciiHexDecode => data = ascii_hex(&data).into(),
            Filter::Ascii85Decode => data = ascii_85(&data).into(),
            Filter::Crypt => {}
            _ => break,
        }
        i += 1;
    }
    let flates = filters[i..]
        .iter()
        .take_while(|f| **f == Filter::FlateDecode)
        .count();
    let mut size = if flates > 0 {
        inflated_size(&data, flates, limit)
    } else {
        data.len() as u64
    };
    for f in &filters[i + flates..] {
        let factor: u64 = match f {
            Filter::AsciiHexDecode | Filter::Ascii85Decode | Filter::Crypt => 1,
            Filter::RunLengthDecode => 128,
            Filter::FlateDecode => 1032,
            Filter::LzwDecode => 4096,
            // Image codecs: their output is the image's pixels, counted from its dictionary.
            Filter::DctDecode
            | Filter::JpxDecode
            | Filter::Jbig2Decode
            | Filter::CcittFaxDecode => 1,
        };
        size = size.saturating_mul(factor);
    }
    size
}

/// The size of `data` inflated `layers` times, counted up to just over `limit`.
fn inflated_size(data: &[u8], layers: usize, limit: u64) -> u64 {
    let mut reader: Box<dyn Read + '_> = Box::new(data);
    for _ in 0..layers {
        reader = Box::new(Inflate::new(reader));
    }
    let mut counted = 0u64;
    let mut buf = vec![0u8; 64 << 10];
    while counted <= limit {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => counted += n as u64,
        }
    }
    counted
}

/// A zlib stream, or a raw deflate one when the zlib header is missing (as lenient readers
/// accept).
struct Inflate<'a> {
    inner: Box<dyn Read + 'a>,
}

impl<'a> Inflate<'a> {
    fn new(mut source: Box<dyn Read + 'a>) -> Inflate<'a> {
        let mut head = [0u8; 2];
        let mut got = 0;
        while got < 2 {
            match source.read(&mut head[got..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        let zlib = got == 2 && head[0] & 0x0f == 8 && u16::from_be_bytes(head) % 31 == 0;
        let chained: Box<dyn Read + 'a> =
            Box::new(std::io::Cursor::new(head[..got].to_vec()).chain(source));
        let inner: Box<dyn Read + 'a> = if zlib {
            Box::new(flate2::read::ZlibDecoder::new(chained))
        } else {
            Box::new(flate2::read::DeflateDecoder::new(chained))
        };
        Inflate { inner }
    }
}

impl Read for Inflate<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

fn ascii_hex(data: &[u8]) -> Vec<u8> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(data.len() / 2 + 1);
    let mut high = None;
    for &c in data {
        if c == b'>' {
            break;
        }
        let Some(d) = digit(c) else { continue };
        match high.take() {
            None => high = Some(d),
            Some(h) => out.push(h << 4 | d),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    out
}

fn ascii_85(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 5 * 4 + 4);
    let mut group = [0u8; 5];
    let mut n = 0;
    let flush = |group: &[u8; 5], n: usize, out: &mut Vec<u8>| {
        let mut padded = *group;
        for p in padded.iter_mut().skip(n) {
            *p = b'u' - b'!';
        }
        let value = padded.iter().fold(0u64, |acc, &d| acc * 85 + d as u64) as u32;
        out.extend_from_slice(&value.to_be_bytes()[..n.saturating_sub(1)]);
    };
    let body = data.strip_prefix(b"<~").unwrap_or(data);
    for &c in body {
        match c {
            b'~' => break,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = c - b'!';
                n += 1;
                if n == 5 {
                    flush(&group, 5, &mut out);
                    n = 0;
                }
            }
            _ => {}
        }
    }
    if n > 1 {
        flush(&group, n, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn inflation_is_counted_through_layers_and_stopped_at_the_limit() {
        let once = deflate(&vec![0u8; 4 << 20]);
        assert_eq!(inflated_size(&once, 1, u64::MAX), 4 << 20);
        let twice = deflate(&once);
        assert_eq!(inflated_size(&twice, 2, u64::MAX), 4 << 20);
        let counted = inflated_size(&once, 1, 1 << 20);
        assert!(counted > 1 << 20 && counted < 2 << 20, "{counted}");
        // A raw deflate stream without the zlib header.
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"hello hello hello").unwrap();
        assert_eq!(inflated_size(&e.finish().unwrap(), 1, u64::MAX), 17);
    }

    #[test]
    fn text_filters_decode() {
        assert_eq!(ascii_hex(b"48 65 6c6C6f>"), b"Hello");
        assert_eq!(ascii_hex(b"414>"), b"A@");
        assert_eq!(ascii_85(b"<~87cURD]i,\"Ebo80~>"), b"Hello World!");
        assert_eq!(ascii_85(b"z~>"), [0u8; 4]);
    }
}
