//! Survey answers: which emotion people saw in each face, read from a CSV.
//!
//! Real survey exports vary: Excel writes semicolons and a BOM, Windows
//! writes CRLF, columns get other names. We accept those variations, but
//! never guess at labels: "Joy" and "joy" stay two classes unless the user
//! asks for normalisation, exactly as caret would count them.

use std::path::{Path, PathBuf};

use crate::emotion;
use crate::error::{Error, Result};

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The true emotion of the face (the reference).
    pub actual: String,
    /// What the person answered (the prediction).
    pub predicted: String,
    /// The face the answer is about, when the survey says.
    pub image: Option<String>,
    /// How many answers the row stands for (a count column, as in R's
    /// `as.data.frame(table)`; 1 without one).
    pub count: u64,
    /// Line in the file (1-based, the header is line 1).
    pub line: u64,
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
    /// The column names used: actual, predicted, image.
    pub columns: (String, String, Option<String>),
    /// The count column, if any.
    pub count_column: Option<String>,
}

/// `--normalize-labels`: the canonical emotion capitalised ("Joy"), or the
/// trimmed, lower-cased label when it is not an emotion.
pub fn normalize_label(label: &str) -> String {
    match emotion::canonical(label) {
        Some(e) => {
            let mut c = e.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
        None => label.trim().to_lowercase(),
    }
}

fn find_column(
    headers: &[String],
    explicit: Option<&str>,
    names: &[&str],
    what: &str,
) -> std::result::Result<Option<usize>, String> {
    if let Some(name) = explicit {
        return headers
            .iter()
            .position(|h| h == name)
            .or_else(|| {
                headers
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
            })
            .map(Some)
            .ok_or_else(|| format!("no column named {name:?} (columns: {headers:?})"));
    }
    let hits: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        .map(|(i, _)| i)
        .collect();
    // The first name is the default; the others are accepted when alone.
    if let Some(i) = headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(names[0]))
    {
        return Ok(Some(i));
    }
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
        let bytes = std::fs::read(path).map_err(|e| Error::file(path, e))?;
        Self::parse(path, &bytes, options)
    }

    /// Parses survey CSV bytes; `path` names the source in errors.
    pub fn parse(path: &Path, bytes: &[u8], options: &SurveyOptions) -> Result<Survey> {
        let err = |problem: String| Error::File {
            path: path.to_path_buf(),
            problem,
        };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(err(
                "empty file: expected a CSV with a header and answers".into()
            ));
        }
        if bytes.contains(&0) {
            return Err(err("binary data, not a CSV text file".into()));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|e| err(format!("not UTF-8 text ({e}); save the CSV as UTF-8")))?;
        let delimiter = detect_delimiter(text);
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
        let actual = find_column(
            &headers,
            options.actual.as_deref(),
            &["actual", "reference", "truth"],
            "actual",
        )
        .map_err(&err)?
        .ok_or_else(|| {
            err(format!(
                "no column with the true class: expected `actual` (or `reference`/`truth`), \
                     found {headers:?}; name it with --actual"
            ))
        })?;
        let predicted = find_column(
            &headers,
            options.predicted.as_deref(),
            &["predicted", "prediction", "pred"],
            "predicted",
        )
        .map_err(&err)?
        .ok_or_else(|| {
            err(format!(
                "no column with the answers: expected `predicted` (or `prediction`/`pred`), \
                 found {headers:?}; name it with --predicted"
            ))
        })?;
        let image = find_column(
            &headers,
            options.image.as_deref(),
            &["image", "face", "file", "path"],
            "image",
        )
        .map_err(&err)?;
        let count = find_column(
            &headers,
            options.count.as_deref(),
            &["count", "freq"],
            "count",
        )
        .map_err(&err)?;

        let label = |s: &str| {
            if options.normalize_labels {
                normalize_label(s)
            } else {
                s.to_string()
            }
        };
        let mut answers = Vec::new();
        let mut skipped_empty = 0;
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
            answers.push(Answer {
                actual: label(a),
                predicted: label(p),
                image: image
                    .map(|i| record[i].to_string())
                    .filter(|s| !s.is_empty()),
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
            });
        }
        if answers.is_empty() {
            return Err(err(if skipped_empty > 0 {
                format!("no answers: all {skipped_empty} rows have an empty label")
            } else {
                "no answers: the file has a header only".into()
            }));
        }
        Ok(Survey {
            path: path.to_path_buf(),
            answers,
            skipped_empty,
            columns: (
                headers[actual].clone(),
                headers[predicted].clone(),
                image.map(|i| headers[i].clone()),
            ),
            count_column: count.map(|c| headers[c].clone()),
        })
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

/// Comma or semicolon, whichever the header line has more of outside quotes.
fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut commas, mut semis, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas { b';' } else { b',' }
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
        assert_eq!(s.answers[1].predicted, "Fear");
        assert_eq!(s.answers[1].line, 3);
    }

    #[test]
    fn aliases_and_ambiguity() {
        let s = parse("truth,pred\nJoy,Joy\n").unwrap();
        assert_eq!(s.columns.0, "truth");
        let e = parse("reference,truth,predicted\nJoy,Joy,Joy\n").unwrap_err();
        assert!(e.to_string().contains("more than one column"), "{e}");
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
