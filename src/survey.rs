//! Survey answers: which emotion people saw in each face, read from a CSV.
//!
//! Real survey exports vary: Excel writes semicolons and a BOM, Windows
//! writes CRLF, columns get other names. We accept those variations, but
//! never guess at labels: "Joy" and "joy" stay two classes unless the user
//! asks for normalisation, exactly as caret would count them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::emotion;
use crate::error::{Error, Result};

/// The most classes (distinct labels) a survey may have: a confusion matrix
/// and caret's printout grow with the square of it, and a survey of facial
/// expressions has a handful.
pub const MAX_CLASSES: usize = 200;

/// Longest label accepted, in characters: an emotion's name is a word or
/// two, and a label of thousands is a misread column.
pub const MAX_LABEL_CHARS: usize = 200;

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The true emotion of the face (the reference).
    pub actual: Arc<str>,
    /// What the person answered (the prediction).
    pub predicted: Arc<str>,
    /// The face the answer is about, when the survey says.
    pub image: Option<Arc<str>>,
    /// How many answers the row stands for (a count column, as in R's
    /// `as.data.frame(table)`; 1 without one).
    pub count: u64,
    /// Line in the file (1-based, the header is line 1).
    pub line: u64,
}

/// The names of the survey's columns that emotui read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// The true emotion of each face.
    pub actual: String,
    /// The emotion the person answered.
    pub predicted: String,
    /// The face's image (path or file name), when the survey names it.
    pub image: Option<String>,
}

/// How to read a survey file.
#[derive(Debug, Clone, Default)]
pub struct SurveyOptions {
    /// Column with the true class (default: `actual`, or `reference`/`truth`).
    pub actual: Option<String>,
    /// Column with the answer (default: `predicted`, or `prediction`/`pred`).
    pub predicted: Option<String>,
    /// Column naming the face (default: `image`, `face`, `file` or `path` if present).
    pub image: Option<String>,
    /// Column with the number of answers each row stands for (default:
    /// `count` or `freq` if present).
    pub count: Option<String>,
    /// Trim, case-fold and map emotion synonyms ("JOY", "happy " → "Joy").
    pub normalize_labels: bool,
}

/// A survey read from a file.
#[derive(Debug, Clone)]
pub struct Survey {
    /// The file.
    pub path: PathBuf,
    /// Answers with both labels present.
    pub answers: Vec<Answer>,
    /// Rows skipped because a label was empty.
    pub skipped_empty: usize,
    /// The column names used.
    pub columns: Columns,
    /// The count column, if any.
    pub count_column: Option<String>,
}

/// A label that is not one of the classes it is compared with (not an
/// emotion, or not one of the model's), as a warning names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrayLabel {
    /// The label as read.
    pub label: Arc<str>,
    /// The column it is in (the first one, if in both).
    pub column: String,
    /// Line of its first answer.
    pub line: u64,
    /// Answers with it (counts included).
    pub answers: u64,
}

/// `--normalize-labels`: the canonical emotion capitalised ("Joy"), or the
/// trimmed, lower-cased label in Unicode's composed form (NFC) when it is
/// not an emotion, so that "Alegría" typed on two keyboards is one class.
pub fn normalize_label(label: &str) -> String {
    match emotion::canonical(label) {
        Some(e) => {
            let mut c = e.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
        None => label_key(label),
    }
}

/// What two labels that differ only in case, surrounding spaces or Unicode
/// normalisation (composed "í" against "i" and a combining accent) share.
fn label_key(label: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    label.trim().nfc().collect::<String>().to_lowercase()
}

fn find_column(
    headers: &[String],
    explicit: Option<&str>,
    names: &[&str],
    what: &str,
) -> std::result::Result<Option<usize>, String> {
    let matching = |name: &str| -> Vec<usize> {
        let exact: Vec<usize> = (0..headers.len()).filter(|&i| headers[i] == name).collect();
        if !exact.is_empty() {
            return exact;
        }
        (0..headers.len())
            .filter(|&i| headers[i].trim().eq_ignore_ascii_case(name.trim()))
            .collect()
    };
    // Two columns with one name: which one holds the answers is a guess.
    let one = |hits: Vec<usize>, name: &str| match hits.as_slice() {
        [] => Ok(None),
        [i] => Ok(Some(*i)),
        _ => Err(format!(
            "{} columns are named {name:?} (columns {}); rename all but one, \
             or choose another column with --{what} NAME",
            hits.len(),
            hits.iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    if let Some(name) = explicit {
        return one(matching(name), name)?
            .map(Some)
            .ok_or_else(|| format!("no column named {name:?} (columns: {headers:?})"));
    }
    // The first name is the default; the others are accepted when alone.
    if let Some(i) = one(matching(names[0]), names[0])? {
        return Ok(Some(i));
    }
    let hits: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        .map(|(i, _)| i)
        .collect();
    match hits.len() {
        0 => Ok(None),
        1 => Ok(Some(hits[0])),
        _ => Err(format!(
            "more than one column could hold the {what} ({:?}); choose one with --{what} NAME",
            hits.iter().map(|&i| &headers[i]).collect::<Vec<_>>()
        )),
    }
}

impl Survey {
    /// Reads a survey CSV.
    pub fn read(path: &Path, options: &SurveyOptions) -> Result<Survey> {
        let bytes = crate::files::read_regular(path).map_err(|e| Error::file(path, e))?;
        Self::parse(path, &bytes, options)
    }

    /// Parses survey CSV bytes; `path` names the source in errors.
    pub fn parse(path: &Path, bytes: &[u8], options: &SurveyOptions) -> Result<Survey> {
        let err = |problem: String| Error::File {
            path: path.to_path_buf(),
            problem,
        };
        let utf16 = decode_utf16(bytes).map_err(&err)?;
        let text = csv_text(utf16.as_ref().map_or(bytes, |t| t.as_bytes())).map_err(&err)?;
        let text = text.as_ref();
        let delimiter = detect_delimiter(text);
        if let Some(line) = unclosed_quote(text.as_bytes(), delimiter) {
            return Err(err(format!(
                "line {line}: a quoted field opens here and never closes, so the rest of the \
                 file would be one field; close the quote (a quote inside a quoted field is \
                 written twice: \"\")"
            )));
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| err(format!("cannot read the header: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        let ColumnIndex {
            actual,
            predicted,
            image,
            count,
        } = survey_columns(&headers, options).map_err(&err)?;

        // Labels and faces repeat across rows: one shared copy of each keeps
        // a million answers in a few dozen bytes apiece.
        let mut labels = Interner::default();
        let mut faces = Interner::default();
        let label = |s: &str| {
            if options.normalize_labels {
                normalize_label(s)
            } else {
                s.to_string()
            }
        };
        let mut answers = Vec::new();
        let mut skipped_empty = 0;
        let mut total: u64 = 0;
        let mut lines = LineCounter::new(text);
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
                match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => err(format!(
                        "line {line}: {len} fields where the header has {expected_len}"
                    )),
                    _ => err(format!("line {line}: {e}")),
                }
            })?;
            let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
            let (a, p) = (&record[actual], &record[predicted]);
            if a.trim().is_empty() || p.trim().is_empty() {
                skipped_empty += 1;
                continue;
            }
            for (field, column) in [(a, actual), (p, predicted)] {
                let chars = field.chars().count();
                if chars > MAX_LABEL_CHARS {
                    return Err(err(format!(
                        "line {line}, column {:?}: a label of {chars} characters (at most \
                         {MAX_LABEL_CHARS}); is this the right column?",
                        headers[column]
                    )));
                }
            }
            let answer = Answer {
                actual: labels.get(a, label),
                predicted: labels.get(p, label),
                image: image
                    .map(|i| &record[i])
                    .filter(|s| !s.is_empty())
                    .map(|s| faces.get(s, str::to_string)),
                count: match count {
                    None => 1,
                    Some(c) => record[c].trim().parse().map_err(|_| {
                        err(format!(
                            "line {line}, column {:?}: {:?} is not a count (a whole number ≥ 0)",
                            headers[c], &record[c]
                        ))
                    })?,
                },
                line,
            };
            total = total.checked_add(answer.count).ok_or_else(|| {
                err(format!(
                    "line {line}: the counts add up to more than {} answers, more than can be \
                     counted exactly",
                    u64::MAX
                ))
            })?;
            answers.push(answer);
        }
        if answers.is_empty() {
            return Err(err(if skipped_empty > 0 {
                format!("no answers: all {skipped_empty} rows have an empty label")
            } else {
                "no answers: the file has a header only".into()
            }));
        }
        let classes: std::collections::HashSet<&str> = answers
            .iter()
            .flat_map(|a| [&*a.actual, &*a.predicted])
            .collect();
        if classes.len() > MAX_CLASSES {
            return Err(err(format!(
                "{} different labels in columns {:?} and {:?} (at most {MAX_CLASSES}): a confusion \
                 matrix that size is not a survey of emotions (its printout alone grows with the \
                 square); check that --actual and --predicted name the label columns",
                classes.len(),
                headers[actual],
                headers[predicted]
            )));
        }
        Ok(Survey {
            path: path.to_path_buf(),
            answers,
            skipped_empty,
            columns: Columns {
                actual: headers[actual].clone(),
                predicted: headers[predicted].clone(),
                image: image.map(|i| headers[i].clone()),
            },
            count_column: count.map(|c| headers[c].clone()),
        })
    }

    /// Groups of labels that differ only in case, surrounding spaces or
    /// Unicode normalisation: each is counted as a class of its own (as
    /// caret would), which is rarely meant; `--normalize-labels` merges them.
    pub fn label_clashes(&self) -> Vec<Vec<Arc<str>>> {
        let mut distinct: Vec<&Arc<str>> = self
            .answers
            .iter()
            .flat_map(|a| [&a.actual, &a.predicted])
            .collect();
        distinct.sort();
        distinct.dedup();
        let mut groups: std::collections::BTreeMap<String, Vec<Arc<str>>> = Default::default();
        for label in distinct {
            groups
                .entry(label_key(label))
                .or_default()
                .push(label.clone());
        }
        groups.into_values().filter(|g| g.len() > 1).collect()
    }

    /// Labels for which `known` is false, in order of first appearance:
    /// they are counted as classes of their own, which is rarely meant.
    pub fn stray_labels(&self, known: impl Fn(&str) -> bool) -> Vec<StrayLabel> {
        let mut out: Vec<StrayLabel> = Vec::new();
        // Asked once per distinct label: a million answers hold a handful.
        let mut verdicts: HashMap<&str, bool> = HashMap::new();
        for a in &self.answers {
            for (label, column) in [
                (&a.actual, &self.columns.actual),
                (&a.predicted, &self.columns.predicted),
            ] {
                if *verdicts.entry(label).or_insert_with(|| known(label)) {
                    continue;
                }
                match out.iter_mut().find(|s| s.label == *label) {
                    Some(s) => s.answers += a.count,
                    None => out.push(StrayLabel {
                        label: label.clone(),
                        column: column.clone(),
                        line: a.line,
                        answers: a.count,
                    }),
                }
            }
        }
        out
    }
}

/// A survey file's bytes as text: without a UTF-8 byte-order mark,
/// refused when empty, binary or not UTF-8, with old Mac line ends (CR
/// alone) read as lines so that errors name the right one.
fn csv_text(bytes: &[u8]) -> std::result::Result<std::borrow::Cow<'_, str>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("empty file: expected a CSV with a header and answers".into());
    }
    if bytes.contains(&0) {
        return Err("binary data, not a CSV text file".into());
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text ({e}); save the CSV as UTF-8"))?;
    Ok(if text.contains('\r') && !text.contains('\n') {
        text.replace('\r', "\n").into()
    } else {
        text.into()
    })
}

/// Where the survey's columns are in the header.
struct ColumnIndex {
    actual: usize,
    predicted: usize,
    image: Option<usize>,
    count: Option<usize>,
}

/// The survey's columns in `headers`: actual and predicted (found, or an
/// error saying what was looked for), image and count (if any).
fn survey_columns(
    headers: &[String],
    options: &SurveyOptions,
) -> std::result::Result<ColumnIndex, String> {
    let actual = find_column(
        headers,
        options.actual.as_deref(),
        &["actual", "reference", "truth"],
        "actual",
    )?
    .ok_or_else(|| {
        format!(
            "no column with the true class: expected `actual` (or `reference`/`truth`), \
                 found {headers:?}; name it with --actual"
        )
    })?;
    let predicted = find_column(
        headers,
        options.predicted.as_deref(),
        &["predicted", "prediction", "pred"],
        "predicted",
    )?
    .ok_or_else(|| {
        format!(
            "no column with the answers: expected `predicted` (or `prediction`/`pred`), \
             found {headers:?}; name it with --predicted"
        )
    })?;
    let image = find_column(
        headers,
        options.image.as_deref(),
        &["image", "face", "file", "path"],
        "image",
    )?;
    let count = find_column(
        headers,
        options.count.as_deref(),
        &["count", "freq"],
        "count",
    )?;
    Ok(ColumnIndex {
        actual,
        predicted,
        image,
        count,
    })
}

/// Text of a UTF-16 file (a byte-order mark first), or `None` for any
/// other file.
fn decode_utf16(bytes: &[u8]) -> std::result::Result<Option<String>, String> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return Ok(None),
    };
    let body = &bytes[2..];
    if !body.len().is_multiple_of(2) {
        return Err("UTF-16 text with an odd number of bytes (cut short?)".into());
    }
    let units = body.chunks_exact(2).map(|c| {
        if little {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<std::result::Result<String, _>>()
        .map(Some)
        .map_err(|e| format!("not valid UTF-16 text ({e}); save the CSV as UTF-8"))
}

/// One shared copy of each distinct text, keyed by the raw field.
#[derive(Default)]
struct Interner(HashMap<Box<str>, Arc<str>>);

impl Interner {
    /// The shared copy of `make(raw)`.
    fn get(&mut self, raw: &str, make: impl Fn(&str) -> String) -> Arc<str> {
        if let Some(v) = self.0.get(raw) {
            return v.clone();
        }
        let v: Arc<str> = make(raw).into();
        self.0.insert(raw.into(), v.clone());
        v
    }
}

/// 1-based line numbers of records, counted as the reader moves forward
/// (records come in order), so that numbering a whole file is linear.
struct LineCounter<'a> {
    text: &'a [u8],
    /// Bytes counted so far, and the newlines among them.
    pos: usize,
    newlines: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            pos: 0,
            newlines: 0,
        }
    }

    /// The line of a record starting at `byte`. The csv crate's own counter
    /// is off by one after CRLF, where a record's position points at the
    /// previous line's `\n`.
    fn line_of(&mut self, byte: u64) -> u64 {
        let mut end = (byte as usize).min(self.text.len());
        if self.text.get(end) == Some(&b'\n') {
            end += 1;
        }
        if end < self.pos {
            // Not expected (records come in order); count afresh.
            self.pos = 0;
            self.newlines = 0;
        }
        self.newlines += self.text[self.pos..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.pos = end;
        self.newlines + 1
    }
}

/// The line where a quoted field opens that is never closed, reading as
/// the csv crate does: a quote opens a field only at its start, and `""`
/// inside a quoted field is a quote.
fn unclosed_quote(text: &[u8], delimiter: u8) -> Option<u64> {
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let (mut state, mut line, mut opened) = (State::FieldStart, 1u64, 0u64);
    for &b in text {
        let ends_field = b == delimiter || b == b'\n';
        state = match state {
            State::FieldStart if b == b'"' => {
                opened = line;
                State::Quoted
            }
            State::FieldStart | State::Unquoted | State::QuoteInQuoted if ends_field => {
                State::FieldStart
            }
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted => State::Unquoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    matches!(state, State::Quoted).then_some(opened)
}

/// Comma, semicolon or tab (Excel's "Unicode text"), whichever the header
/// line has most of outside quotes; a comma on a tie.
fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut counts, mut quoted) = ([0usize; 3], false);
    let delimiters = [b',', b';', b'\t'];
    for c in header.bytes() {
        match c {
            b'"' => quoted = !quoted,
            c if !quoted => {
                if let Some(i) = delimiters.iter().position(|&d| d == c) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..3)
        .rev()
        .max_by_key(|&i| (counts[i], i == 0))
        .unwrap_or(0);
    delimiters[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Survey> {
        Survey::parse(
            Path::new("s.csv"),
            text.as_bytes(),
            &SurveyOptions::default(),
        )
    }

    #[test]
    fn reads_quoted_bom_crlf_semicolon() {
        let s =
            parse("\u{feff}\"actual\";\"predicted\"\r\n\"Joy\";\"Joy\"\r\nAnger;Fear\r\n").unwrap();
        assert_eq!(s.answers.len(), 2);
        assert_eq!(&*s.answers[1].predicted, "Fear");
        assert_eq!(s.answers[1].line, 3);
    }

    #[test]
    fn aliases_and_ambiguity() {
        let s = parse("truth,pred\nJoy,Joy\n").unwrap();
        assert_eq!(s.columns.actual, "truth");
        let e = parse("reference,truth,predicted\nJoy,Joy,Joy\n").unwrap_err();
        assert!(e.to_string().contains("more than one column"), "{e}");
    }

    #[test]
    fn two_columns_with_one_name_are_refused() {
        let e = parse("actual,predicted,actual\nJoy,Joy,Fear\n").unwrap_err();
        assert!(e.to_string().contains("columns 1, 3"), "{e}");
        let opts = SurveyOptions {
            predicted: Some("guess".into()),
            ..Default::default()
        };
        let e = Survey::parse(
            Path::new("s.csv"),
            b"actual,guess,guess\nJoy,Joy,Fear\n",
            &opts,
        )
        .unwrap_err();
        assert!(e.to_string().contains("--predicted"), "{e}");
    }

    #[test]
    fn an_unclosed_quote_is_named_with_its_line() {
        let e = parse("actual,predicted\nJoy,Joy\n\"Fear,Joy\nJoy,Joy\n").unwrap_err();
        assert!(
            e.to_string().contains("line 3: a quoted field opens"),
            "{e}"
        );
        // Quotes inside an unquoted field, and doubled inside a quoted one,
        // are text.
        let s = parse("actual,predicted\nJoy,5\"\n\"Jo\"\"y\",Joy\n").unwrap();
        assert_eq!(&*s.answers[0].predicted, "5\"");
        assert_eq!(&*s.answers[1].actual, "Jo\"y");
    }

    #[test]
    fn labels_that_are_not_emotions_are_reported_once_each() {
        let s = parse("actual,predicted\nJoy,Joy\nJoy,Contempt\nAwe,Contempt\n").unwrap();
        let stray = s.stray_labels(|l| crate::emotion::canonical(l).is_some());
        let seen: Vec<(&str, &str, u64, u64)> = stray
            .iter()
            .map(|s| (&*s.label, s.column.as_str(), s.line, s.answers))
            .collect();
        assert_eq!(
            seen,
            [("Contempt", "predicted", 3, 2), ("Awe", "actual", 4, 1)]
        );
    }

    #[test]
    fn too_many_classes_are_refused() {
        let mut text = String::from("actual,predicted\n");
        for i in 0..=MAX_CLASSES {
            text.push_str(&format!("L{i},L{i}\n"));
        }
        let e = parse(&text).unwrap_err().to_string();
        assert!(
            e.contains(&format!("{} different labels", MAX_CLASSES + 1)),
            "{e}"
        );
        let fewer = text
            .lines()
            .take(MAX_CLASSES + 1)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(parse(&fewer).is_ok());
    }

    #[test]
    fn labels_are_kept_as_written_unless_normalised() {
        let text = "actual,predicted\nJoy,joy\nJoy,Joy \nJOY,happy\n";
        let s = parse(text).unwrap();
        assert_eq!(
            crate::stats::ConfusionMatrix::from_survey(&s).levels,
            ["JOY", "Joy", "Joy ", "happy", "joy"]
        );
        let opts = SurveyOptions {
            normalize_labels: true,
            ..Default::default()
        };
        let s = Survey::parse(Path::new("s.csv"), text.as_bytes(), &opts).unwrap();
        assert_eq!(
            crate::stats::ConfusionMatrix::from_survey(&s).levels,
            ["Joy"]
        );
    }

    #[test]
    fn bad_input_names_the_problem() {
        let e = parse("").unwrap_err().to_string();
        assert!(e.contains("empty file"), "{e}");
        let e = parse("actual,predicted\n").unwrap_err().to_string();
        assert!(e.contains("header only"), "{e}");
        let e = parse("actual,predicted\nJoy,Joy\nJoy,Joy,Fear\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("3 fields"), "{e}");
        let e = parse("answer,guess\nJoy,Joy\n").unwrap_err().to_string();
        assert!(e.contains("`actual`"), "{e}");
        let e = Survey::parse(
            Path::new("b.csv"),
            b"\x89PNG\r\n\x1a\n\0\0",
            &SurveyOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("binary"), "{e}");
    }

    #[test]
    fn empty_labels_are_skipped_and_counted() {
        let s = parse("actual,predicted\nJoy,\nJoy,Joy\n,Fear\n").unwrap();
        assert_eq!(s.answers.len(), 1);
        assert_eq!(s.skipped_empty, 2);
    }
}
